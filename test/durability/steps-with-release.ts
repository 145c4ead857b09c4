import { HOST_STEPS, type HostStepName } from '../../common/steps';

/**
 * The host steps that hold something until their release runs (the table's entries with a release), in table
 * order: the ones a crash or a server restart in flight could leave doubled or leaked. working-dir has no
 * release (its directory lives in the rootfs), so it is not among them.
 */
export const STEPS_WITH_RELEASE: readonly HostStepName[] = HOST_STEPS.filter((s) => 'release' in s).map((s) => s.name);
