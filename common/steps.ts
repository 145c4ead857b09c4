/**
 * The start saga's host steps: the ones that touch the host (mounts, netns + CNI, files in the rootfs, the
 * OCI bundle, runc). One ordered table that every layer reads — the workflow builds its plan from it, the
 * activities are named from it, fault injection hooks its points, and stop/rm/gc release in its reverse
 * order, the same order the saga compensates in. Workflow-safe: names and pure rules only; each step's
 * acquire and release live beside it in runtime/steps/<step>.ts. See docs/design.md.
 *
 * Why this order:
 * - mount-rootfs, network, ipc, volumes first, at once (phase `prepare`, workflow v4 on): each acquires a
 *   resource of its own and none reads what another makes;
 * - working-dir needs the mounted rootfs; spec needs the rootfs, the netns (its IP goes into /etc/hosts)
 *   and the shm and volume paths (phase `configure`);
 * - process last: runc needs the bundle (phase `run`).
 * Releases run in reverse: the process goes first, so nothing it holds is busy when its mounts go, and the
 * rootfs goes last, after what lies inside it.
 */
import { needsOwnIpc } from './net-mode';
import type { ContainerSnapshot } from './start-api';

export type StepPhase = 'prepare' | 'configure' | 'run';

export interface HostStepSpec {
  /** the step's name: in the saga's record, the CLI's progress lines, and the fault point of its acquire */
  readonly name: string;
  /** its compensation's name (and fault point); none where nothing outlives the step on its own */
  readonly release?: string;
  /** activity type that acquires (a contract of recorded histories: never rename) */
  readonly activity: string;
  /** activity type that releases */
  readonly releaseActivity?: string;
  readonly phase: StepPhase;
  /** whether it runs as a local activity (record-sized work, workflow v3 on) rather than a heartbeating one */
  readonly local: boolean;
  /** the seed's call it stands for (reference/docker-container-start.go) */
  readonly seed: string;
  /** whether a container needs the step at all; a step not needed has no activity and nothing to undo */
  readonly needed: (c: ContainerSnapshot) => boolean;
}

const always = () => true;

/** The host steps in acquire order (see above for why). */
export const HOST_STEPS = [
  {
    name: 'mount-rootfs', release: 'unmount-rootfs', activity: 'mountRootfs', releaseActivity: 'unmountRootfs',
    phase: 'prepare', local: false, seed: 'conditionalMountOnStart', needed: always,
  },
  {
    name: 'network', release: 'release-network', activity: 'connectNetwork', releaseActivity: 'releaseNetwork',
    phase: 'prepare', local: false, seed: 'initializeNetworking', needed: always,
  },
  {
    // ipc host / container:X / none reuse another /dev/shm or have none
    name: 'ipc', release: 'unmount-ipc', activity: 'setupIpc', releaseActivity: 'releaseIpc',
    phase: 'prepare', local: false, seed: 'setupIpcDirs', needed: (c) => needsOwnIpc(c.ipcMode),
  },
  {
    name: 'volumes', release: 'unmount-volumes', activity: 'mountVolumes', releaseActivity: 'unmountVolumes',
    phase: 'prepare', local: false, seed: 'setupMounts', needed: (c) => c.hasMounts,
  },
  {
    // undone with the rootfs: the directory lives in the container's own writable layer
    name: 'working-dir', activity: 'setupWorkingDir',
    phase: 'configure', local: true, seed: 'setupWorkingDirectory', needed: (c) => c.workingDir !== '',
  },
  {
    name: 'spec', release: 'remove-spec', activity: 'writeSpec', releaseActivity: 'removeSpec',
    phase: 'configure', local: true, seed: 'populateCommand', needed: always,
  },
  {
    name: 'process', release: 'unregister-process', activity: 'startProcess', releaseActivity: 'unregisterProcess',
    phase: 'run', local: false, seed: 'waitForStart', needed: always,
  },
] as const satisfies readonly HostStepSpec[];

/** One entry of the table, with its literal names. */
export type HostStepEntry = (typeof HOST_STEPS)[number];
type Table = HostStepEntry;
export type HostStepName = Table['name'];
export type ReleaseName = NonNullable<Extract<Table, { release: string }>['release']>;
export type HostActivityName = Table['activity'] | NonNullable<Extract<Table, { releaseActivity: string }>['releaseActivity']>;
/**
 * Record steps a fault can hold or fail too: mark-running's record write, before the hand-off to the monitor
 * and the claim's release (the moments a lost local-activity result matters most).
 */
export const RECORD_FAULT_POINTS = ['mark-running'] as const;
/** Where a fault can be injected: every acquire and every release of the table, and the record points. */
export type FaultPoint = HostStepName | ReleaseName | (typeof RECORD_FAULT_POINTS)[number];

/** The table's entry for a step name. */
export function hostStep<N extends HostStepName>(name: N): Extract<Table, { name: N }> {
  return HOST_STEPS.find((s) => s.name === name) as Extract<Table, { name: N }>;
}

/** The steps of one phase, in table order. */
export function stepsOfPhase(phase: StepPhase): readonly Table[] {
  return HOST_STEPS.filter((s) => s.phase === phase);
}

/** Every release, in the order teardown runs them: the table's reverse. */
export const RELEASE_ORDER: readonly ReleaseName[] = HOST_STEPS.flatMap((s) => ('release' in s ? [s.release] : [])).reverse();

/** Every fault point, acquires in table order, releases in teardown order, then the record points. */
export const FAULT_POINTS: readonly FaultPoint[] = [...HOST_STEPS.map((s) => s.name), ...RELEASE_ORDER, ...RECORD_FAULT_POINTS];

/** The step a release undoes. */
export function stepOfRelease(release: ReleaseName): Extract<Table, { release: string }> {
  return HOST_STEPS.find((s) => 'release' in s && s.release === release) as Extract<Table, { release: string }>;
}

/**
 * The release that runs first, alone, when a failed start compensates at once (workflow v8): the process's.
 * Every other release needs only the process gone, not one another: each driver refuses them while the
 * process runs (runtime/linux requireNoProcess), the volumes' mounts live in the container's mount namespace
 * (they end with the process), and the shm tmpfs, the netns and the spec lie outside the rootfs.
 */
export function releasedFirst(release: string): boolean {
  return release === hostStep('process').release;
}
