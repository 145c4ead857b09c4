/**
 * The start saga's steps, in two tables that every layer reads. HOST_STEPS touch the host (mounts, netns +
 * CNI, files in the rootfs, the OCI bundle, runc): the workflow builds its plan from them, the activities are
 * named from them, fault injection hooks their points, and stop/rm/gc release in their reverse order, the
 * same order the saga compensates in; each step's acquire and release live beside it in
 * runtime/steps/<step>.ts. RECORD_STEPS touch only the container's record or nothing (checks, claim, links,
 * mark running, the failure path's record writes). Both give each activity its Web UI summary and its metric
 * step. Workflow-safe: names and pure rules only. See docs/design.md.
 *
 * Why this order of the host steps:
 * - mount-rootfs, network, ipc, volumes first, at once (phase `prepare`): each acquires a resource of its own
 *   and none reads what another makes;
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
  /** whether it runs as a local activity (record-sized work) rather than a heartbeating one where not pinned */
  readonly local: boolean;
  /** the seed's call it stands for (reference/docker-container-start.go) */
  readonly seed: string;
  /** whether a container needs the step at all; a step not needed has no activity and nothing to undo */
  readonly needed: (c: ContainerSnapshot) => boolean;
  /** the Web UI's summary of its acquire and of its release, from the container's name and snapshot */
  readonly summary: Summary;
  readonly releaseSummary?: Summary;
}

/** An activity's one-line summary in the Web UI, from what is known before it runs. */
export type Summary = (name: string, snap: ContainerSnapshot | undefined) => string;

/** The Web UI's mark of a compensation, so the timeline shows them apart from the steps they undo. */
const COMPENSATE = 'compensate · ';

const always = () => true;

/** The host steps in acquire order (see above for why). */
export const HOST_STEPS = [
  {
    name: 'mount-rootfs',
    release: 'unmount-rootfs',
    activity: 'mountRootfs',
    releaseActivity: 'unmountRootfs',
    phase: 'prepare',
    local: false,
    seed: 'conditionalMountOnStart',
    needed: always,
    summary: (n) => `mount the rootfs of ${n}`,
    releaseSummary: (n) => `${COMPENSATE}unmount the rootfs of ${n}`,
  },
  {
    name: 'network',
    release: 'release-network',
    activity: 'connectNetwork',
    releaseActivity: 'releaseNetwork',
    phase: 'prepare',
    local: false,
    seed: 'initializeNetworking',
    needed: always,
    summary: (n, c) => `prepare network (${c?.networkMode || 'bridge'}) for ${n}`,
    releaseSummary: (n) => `${COMPENSATE}release the network of ${n}`,
  },
  {
    // ipc host / container:X / none reuse another /dev/shm or have none
    name: 'ipc',
    release: 'unmount-ipc',
    activity: 'setupIpc',
    releaseActivity: 'releaseIpc',
    phase: 'prepare',
    local: false,
    seed: 'setupIpcDirs',
    needed: (c) => needsOwnIpc(c.ipcMode),
    summary: (n) => `mount /dev/shm for ${n}`,
    releaseSummary: (n) => `${COMPENSATE}unmount /dev/shm of ${n}`,
  },
  {
    name: 'volumes',
    release: 'unmount-volumes',
    activity: 'mountVolumes',
    releaseActivity: 'unmountVolumes',
    phase: 'prepare',
    local: false,
    seed: 'setupMounts',
    needed: (c) => c.hasMounts,
    summary: (n) => `mount the volumes of ${n}`,
    releaseSummary: (n) => `${COMPENSATE}unmount the volumes of ${n}`,
  },
  {
    // undone with the rootfs: the directory lives in the container's own writable layer
    name: 'working-dir',
    activity: 'setupWorkingDir',
    phase: 'configure',
    local: true,
    seed: 'setupWorkingDirectory',
    needed: (c) => c.workingDir !== '',
    summary: (n, c) =>
      c?.workingDir ? `create the working dir ${c.workingDir} in ${n}` : `create the working dir of ${n}`,
  },
  {
    name: 'spec',
    release: 'remove-spec',
    activity: 'writeSpec',
    releaseActivity: 'removeSpec',
    phase: 'configure',
    local: true,
    seed: 'populateCommand',
    needed: always,
    summary: (n) => `write the OCI spec of ${n}`,
    releaseSummary: (n) => `${COMPENSATE}remove the OCI spec of ${n}`,
  },
  {
    name: 'process',
    release: 'unregister-process',
    activity: 'startProcess',
    releaseActivity: 'unregisterProcess',
    phase: 'run',
    local: false,
    seed: 'waitForStart',
    needed: always,
    summary: (n) => `start the process of ${n}`,
    releaseSummary: (n) => `${COMPENSATE}kill and unregister the process of ${n}`,
  },
] as const satisfies readonly HostStepSpec[];

/** One entry of the table, with its literal names. */
export type HostStepEntry = (typeof HOST_STEPS)[number];
type Table = HostStepEntry;
export type HostStepName = Table['name'];
export type ReleaseName = NonNullable<Extract<Table, { release: string }>['release']>;
export type HostActivityName =
  | Table['activity']
  | NonNullable<Extract<Table, { releaseActivity: string }>['releaseActivity']>;
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
export const RELEASE_ORDER: readonly ReleaseName[] = HOST_STEPS.flatMap((s) =>
  'release' in s ? [s.release] : [],
).reverse();

/** Every fault point, acquires in table order, releases in teardown order, then the record points. */
export const FAULT_POINTS: readonly FaultPoint[] = [
  ...HOST_STEPS.map((s) => s.name),
  ...RELEASE_ORDER,
  ...RECORD_FAULT_POINTS,
];

/** The step a release undoes. */
export function stepOfRelease(release: ReleaseName): Extract<Table, { release: string }> {
  return HOST_STEPS.find((s) => 'release' in s && s.release === release) as Extract<Table, { release: string }>;
}

/**
 * The release that runs first, alone, when a failed start compensates: the process's.
 * Every other release needs only the process gone, not one another: each driver refuses them while the
 * process runs (runtime/linux requireNoProcess), the volumes' mounts live in the container's mount namespace
 * (they end with the process), and the shm tmpfs, the netns and the spec lie outside the rootfs.
 */
export function releasedFirst(release: string): boolean {
  return release === hostStep('process').release;
}

/** When a record step runs: the checks before the claim, around the host steps, or on the failure path. */
export type RecordPhase = 'check' | 'prepare' | 'configure' | 'run' | 'failure';

export interface RecordStepSpec {
  /** the step's name: in the saga's record, the CLI's progress lines and the step metrics */
  readonly name: string;
  readonly phase: RecordPhase;
  /** the seed's call it stands for (reference/docker-container-start.go) */
  readonly seed: string;
  /**
   * the activities that do it (local activities on the owner's worker), each with its Web UI summary; none for a pure
   * step
   */
  readonly activities: Readonly<Record<string, Summary>>;
  /** the start's first look (claimHere) runs it too, and answers its refusal rather than throwing it */
  readonly inFirstLook?: true;
}

/** The start's steps that touch no host resource, in the order they run (the failure path's last). */
export const RECORD_STEPS = [
  {
    // a container of another host is read there (lookupContainer); claimHere counts as the step it begins with
    name: 'lookup',
    phase: 'check',
    seed: 'GetContainer',
    activities: {
      locateHere: (n) => `look up ${n}`,
      claimHere: (n) => `look up ${n}, check its state and settings, claim it for this start`,
      liveHosts: (n) => `find the live hosts for ${n}`,
      lookupContainer: (n) => `look up ${n}`,
    },
  },
  { name: 'check-state', phase: 'check', seed: 'validateState', activities: {}, inFirstLook: true },
  {
    // a legacy hostConfig given at start (API < 1.24)
    name: 'host-config',
    phase: 'check',
    seed: 'ContainerStart hostConfig',
    activities: {
      hostInfo: (n) => `read the host's OS for ${n}`,
      setHostConfig: (n) => `apply the legacy hostConfig to ${n}`,
    },
  },
  {
    name: 'verify-settings',
    phase: 'check',
    seed: 'verifyContainerSettings',
    activities: { verifySettings: (n) => `verify the settings of ${n}` },
    inFirstLook: true,
  },
  {
    name: 'claim',
    phase: 'check',
    seed: 'container.Lock',
    activities: { claimStart: (n) => `claim ${n} for this start` },
    inFirstLook: true,
  },
  { name: 'default-net-mode', phase: 'prepare', seed: 'initializeNetworking (default mode)', activities: {} },
  {
    name: 'links',
    phase: 'configure',
    seed: 'setupLinkedContainers',
    activities: {
      linkedContainers: (n, c) => `resolve the links of ${n}${c?.links.length ? ` (${c.links.join(', ')})` : ''}`,
    },
  },
  { name: 'daemon-env', phase: 'configure', seed: 'CreateDaemonEnvironment', activities: {} },
  {
    name: 'mark-running',
    phase: 'run',
    seed: 'SetRunning + newContainerMonitor',
    activities: { markRunning: (n) => `mark ${n} running, hand it to its monitor, release the start claim` },
  },
  {
    name: 'release-claim',
    phase: 'failure',
    seed: 'container.Unlock',
    activities: { releaseStart: (n) => `release the start claim of ${n}` },
  },
  {
    name: 'mark-failed',
    phase: 'failure',
    seed: 'SetError + CheckpointTo',
    activities: { markFailed: (n) => `${COMPENSATE}record the error on ${n}` },
  },
  {
    name: 'finish-failed',
    phase: 'failure',
    seed: 'Cleanup (die event)',
    activities: { finishFailed: (n) => `${COMPENSATE}record the exit and the die event of ${n}` },
  },
  {
    name: 'auto-remove',
    phase: 'failure',
    seed: 'containerRm (AutoRemove)',
    activities: { autoRemove: (n) => `${COMPENSATE}remove ${n} (AutoRemove)` },
  },
] as const satisfies readonly RecordStepSpec[];

export type RecordStepName = (typeof RECORD_STEPS)[number]['name'];
/** Every step name of the start: the record's `steps` and `compensations` use these. */
export type StartStepName = HostStepName | ReleaseName | RecordStepName;
/** The steps the start's first look can refuse at (nothing is claimed when one does). */
export type RefusingStep = Extract<(typeof RECORD_STEPS)[number], { inFirstLook: true }>['name'];
