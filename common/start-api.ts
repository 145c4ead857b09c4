import { ContainerError, Messages, type FailureDetail } from './errors';
import type { LocatedHere } from './hosts-api';
import type { HostConfig } from './types';

/**
 * Input of the `containerStart` workflow: one plain JSON object, so any Temporal client can start it by type name:
 *   temporal workflow start --type containerStart --task-queue container-saga --input '{"container":"web"}'
 */
export interface ContainerStartInput {
  /** name, full ID or unique ID prefix */
  container: string;
  /** Legacy: hostConfig passed at start (Docker < 1.12 API). Rejected on a Windows daemon. */
  hostConfig?: Partial<HostConfig>;
}

/**
 * Final status of a start saga, as reported in its result record. `already-running` only from runs begun
 * before v5 (see Patches.alreadyStartedOnce): since then a running container fails the start with
 * AlreadyStarted (304), which Docker's CLI and ours count as started.
 */
export type StartOutcome = 'running' | 'already-running' | 'failed' | 'cancelled';

/**
 * The saga's result (and its `progress` query answer while it runs). On failure the workflow fails with an
 * ApplicationFailure whose type is the Docker error and whose first detail is this record.
 */
export interface ContainerStartResult {
  containerId: string;
  name: string;
  status: StartOutcome | 'starting' | 'compensating';
  /** steps completed, in order: the host steps of common/steps.ts and the record-only ones around them */
  steps: string[];
  /** compensations run, in order */
  compensations: string[];
  /** compensations that could not release their resource after their retry budget */
  leftovers: string[];
  /** the step in flight while running; steps run at once are joined by " + " (see stepsInFlight) */
  current?: string;
  pid?: number;
  ipAddress?: string;
  /** the container's host (since many hosts) */
  host?: string;
  error?: FailureDetail;
}

const IN_FLIGHT_JOINER = ' + ';

/** The `current` of a record for steps running at once (pure; the workflow writes it). */
export function currentOf(steps: readonly string[]): string {
  return steps.join(IN_FLIGHT_JOINER);
}

/** The steps a record's `current` names (for clients that wait for a step). */
export function stepsInFlight(current: string | undefined): string[] {
  return current ? current.split(IN_FLIGHT_JOINER) : [];
}

/** The small view of a container the saga works from (history stays small: no whole records or specs). */
export interface ContainerSnapshot {
  id: string;
  /** without the leading slash */
  name: string;
  running: boolean;
  paused: boolean;
  removing: boolean;
  hostname: string;
  tty: boolean;
  env: string[];
  networkMode: string;
  securityOpt: string[];
  ipcMode: string;
  links: string[];
  workingDir: string;
  /** whether HostConfig has binds, volumes or tmpfs mounts (absent in histories recorded before it existed) */
  hasMounts?: boolean;
  /**
   * the asking start run holds the claim (absent when not, and in histories recorded before lost local results
   * were settled)
   */
  claimedByThisRun?: true;
  /** the asking start run marked the current or last run running (likewise) */
  startedByThisRun?: true;
  /** the running process's pid */
  pid?: number;
  ipAddress?: string;
}

/**
 * patched() IDs of workflow changes that alter history. Never remove one while histories recorded without
 * it may still replay (running workflows, committed test histories).
 */
export const Patches = {
  /** v2: no volumes activity (and no compensation) for a container with nothing to mount: one round trip less */
  skipEmptyVolumes: 'skip-empty-volumes',
  /**
   * v3: the record-only steps (lookup, checks, claim, links, working dir, spec, mark running, release) run as
   * local activities, inside the workflow task that reached them: six server round trips less per start.
   */
  localRecordSteps: 'local-record-steps',
  /**
   * v4: rootfs, network, IPC and volumes (the prepare phase of common/steps.ts), which acquire separate
   * resources, run at once:
   * one round trip instead of up to four.
   */
  parallelPrepare: 'parallel-prepare',
  /**
   * v5: a container found running once claimed fails with AlreadyStarted (304), as at the state check,
   * instead of completing with status `already-running`: one answer for "already running".
   */
  alreadyStartedOnce: 'already-started-once',
  /** v5: a legacy hostConfig at start is validated by the setHostConfig activity alone, not parsed here first. */
  hostConfigCheckedOnce: 'host-config-checked-once',
  /**
   * v6: a failed start upserts the search attributes FailedStep and ErrorType (before it compensates), so
   * visibility finds the starts that failed at a given step or with a given error.
   */
  failureSearchAttributes: 'failure-search-attributes',
  /**
   * v6: the monitor upserts ContainerState (`restarting` during a restart's backoff and start, `running`
   * once a run is handed over again) and RestartCount, so visibility finds the containers that are restarting.
   */
  monitorState: 'monitor-state',
  /** v6: containerCreate upserts the new container's ContainerId (its name and image are set at start). */
  createSearchAttributes: 'create-search-attributes',
  /**
   * v7: many hosts. A workflow first locates its container's host (locally, then on every live host), and
   * routes each host activity to that host's task queue (`<queue>@<host>`, common/hosts-api.ts); the start
   * saga runs its record steps as local activities only when the workflow task's worker is the owner.
   */
  hosts: 'many-hosts',
  /**
   * v7: once a step of the container's host was not picked up in time (its worker is gone: HostUnavailable),
   * the start's compensations, failure records and claim release are not sent to that host, each to wait the
   * same bound for nothing; they are listed as leftovers for the host's start-up reconcile, and the start fails
   * HostUnavailable within one bound of the loss. Marked only on that path.
   */
  hostGone: 'host-gone',
  /**
   * v8: a failed start's releases at once after the process's (common/steps.ts releasedFirst), with the
   * failure's record write beside the process's release: two rounds of round trips instead of up to seven.
   * Marked only on the failure path.
   */
  releasesAtOnce: 'releases-at-once',
  /**
   * v9: a start run asks patched() once, for this ID, and has every change above (workflows/start-version.ts):
   * one marker and one TemporalChangeVersion upsert per start instead of one pair per change. And its
   * mark-running local activity releases the claim too (one local activity round less per successful start).
   */
  startV9: 'start-v9',
  /**
   * v10 (reads): an inspect's first look (`locateHere` on the shared queue) brings the container's inspect view
   * when it is surely there (a full ID or an exact name): one activity per inspect instead of two. Other refs
   * (a prefix, a container of another host) go on as before.
   */
  inspectInOneLook: 'inspect-one-look',
  /**
   * v11 (start): the host steps (rootfs, network, IPC, volumes, process) run as local activities too when the
   * owner's worker holds the workflow task (placement.ownerLooksUp), pinned to that host as the record steps
   * are, and so does the failure path (the releases, the failure's record and `die`): a start, successful or
   * compensated, is one workflow task, no activity task goes through the server. A run asks patched() once,
   * for this ID, and has v9 and every change before it (workflows/start-version.ts).
   */
  hostStepsLocal: 'host-steps-local',
  /**
   * v12 (start): when the container is surely on the host whose worker runs the workflow task (a full ID or an
   * exact name found there), one local activity (`claimHere`) does the lookup, check-state, verify-settings
   * and the claim, in Docker's order, instead of three: two local activity rounds less per start. A check
   * that refuses is answered, not thrown, so the saga still fails at that step with nothing claimed. Asked
   * once, first, as v11 is (workflows/start-version.ts); a legacy hostConfig at start keeps the steps apart.
   */
  claimInOneLook: 'claim-in-one-look',
  /**
   * A run whose local activities' results were lost (a workflow task that failed after they ran: a cancel,
   * signal or update that arrived during it, a worker that died in it) settles by what its host records rather
   * than by its own view: found marked running by this run, the start is adopted as succeeded; cancelled while
   * it holds the claim, every release the container needs runs, not only those the run saw pushed. Marked only
   * on those paths (docs/design.md, "Lost local-activity results").
   */
  settleLostResults: 'settle-lost-local-results',
} as const;

/** The steps the first look of a v12 start can refuse at (nothing is claimed when one does). */
export type RefusingStep = 'check-state' | 'verify-settings' | 'claim';

/**
 * A v12 start's first look (activities `claimHere`): where the ref is, as `locateHere` answers; and when the
 * container is surely here, the snapshot it claimed or the step that refused and why.
 */
export interface ClaimedHere {
  located: LocatedHere;
  claim?: { claimed: ContainerSnapshot } | { refused: { step: RefusingStep; error: FailureDetail } };
}

/** Docker's answer for a container that cannot be started as it is: paused (409) or already running (304). */
export function notStartable(c: Pick<ContainerSnapshot, 'paused' | 'running'>): ContainerError | undefined {
  if (c.paused) return new ContainerError('StartPaused', Messages.startPaused);
  if (c.running) return new ContainerError('AlreadyStarted', Messages.alreadyStarted);
  return undefined;
}
