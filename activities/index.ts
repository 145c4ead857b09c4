import type { HostRuntime } from '../runtime/host-runtime';
import { createContainerVerbActivities } from './container-verbs';
import { createHostActivities } from './hosts';
import { createImageArchiveActivities } from './image-archive';
import { createImageVerbActivities } from './image-verbs';
import { createNetworkVerbActivities } from './network-verbs';
import { createMonitorActivities, type MonitorActivityOptions } from './monitor';
import { createPullActivities } from './image-pull';
import { createOpsActivities } from './ops';
import { createStartActivities, type StartActivityOptions } from './start-steps';
import { createVerbActivities } from './verbs';
import { createVolumeVerbActivities } from './volume-verbs';

/** Every activity the worker registers, bound to one runtime (the seam between Linux and simulated). */
export function createActivities(runtime: HostRuntime, opts: StartActivityOptions & MonitorActivityOptions = {}) {
  return {
    ...createStartActivities(runtime, opts),
    ...createOpsActivities(runtime),
    ...createMonitorActivities(runtime, opts),
    ...createVerbActivities(runtime),
    ...createHostActivities(runtime),
    ...createImageArchiveActivities(runtime),
    ...createImageVerbActivities(runtime),
    ...createVolumeVerbActivities(runtime),
    ...createNetworkVerbActivities(runtime),
    ...createContainerVerbActivities(runtime),
    ...createPullActivities(runtime.images),
  };
}

export type Activities = ReturnType<typeof createActivities>;
