/**
 * The driver contract: what the saga's steps need from a container runtime. Implemented by the Linux driver
 * (runc, CNI, mount(8)) and the simulated driver. No Temporal imports: this is a library, like libcontainer.
 *
 * Contracts every implementation keeps:
 * - Every step is idempotent: calling it again after it succeeded, or after it did its side effect and then
 *   failed, adopts what is there and completes it (mounted already? IP already allocated for this ID?).
 * - Every release is idempotent and may run although its step never ran or only half ran: releasing what
 *   is not there succeeds. A release that cannot finish throws; it never forgets a resource it still holds.
 * - Resource names derive from the container ID, so a retry or a sweep finds them.
 * - Errors are ContainerError (common/errors.ts): a Docker error type, its message, and whether a retry helps.
 */
import type { LinkTarget } from '../common/env';
import type { GcResult as GcReport } from '../common/ops-api';
import type { HostInfo } from '../common/settings';
import type { HostStepName, ReleaseName } from '../common/steps';
import type {
  ExecInput,
  ExecOutputInput,
  ExecOutputResult,
  ExecResult,
  KillResult,
  PauseResult,
} from '../common/verbs-api';
import type { LogPage, LogPageOptions } from './logs';
import type { AcquireRequests, AcquireResults } from './steps/types';
export type { ImageInfo };
import type {
  ContainerEvent,
  ContainerRecord,
  CreateRequest,
  HostConfig,
  ImageInfo,
  StartOwner,
} from '../common/types';

/** Called while a slow step works, so the activity can heartbeat. */
export type Progress = (detail?: string) => void;

export interface StepContext {
  progress?: Progress;
  /** aborted when the step is cancelled: long waits should give up (the compensation runs after) */
  signal?: AbortSignal;
}

export interface SpecRequest {
  /** the full environment from daemonEnv() */
  env: string[];
  /** /etc/hosts lines for links */
  extraHosts: string[];
}

export interface StopResult {
  /** exit code of the process, or the one already recorded when it was not running */
  exitCode: number;
  wasRunning: boolean;
}

export type { GcResult as GcReport } from '../common/ops-api';

/** A resource the driver holds, for leak checks and gc. */
export interface HeldResource {
  kind: 'mount' | 'netns' | 'ip' | 'process' | 'bundle' | 'runc' | 'port';
  containerId: string;
  detail: string;
}

export interface ContainerRuntime {
  readonly kind: 'simulated' | 'linux';
  /** the state root (CONTAINER_SAGA_ROOT) */
  readonly root: string;

  hostInfo(): Promise<HostInfo>;
  /** Forbidden (403) when the host's policy (bind and privilege allow-lists) refuses these settings. */
  checkPolicy(hc: HostConfig): Promise<void>;

  // --- records -------------------------------------------------------------------------------------------
  /**
   * Creates a container record (state "created"); validates name, image and hostConfig. Emits `create`. The
   * result carries the checks' warnings for create's answer (`Warnings`); they are not part of the record.
   */
  create(req: CreateRequest): Promise<ContainerRecord & { readonly createWarnings: readonly string[] }>;
  /** Docker's daemon.Get: full ID, exact name, unique ID prefix. NoSuchContainer (404) otherwise. */
  lookup(ref: string): Promise<ContainerRecord>;
  list(): Promise<ContainerRecord[]>;
  /** Events appended since `since` (an opaque cursor; 0 for all), with the cursor to continue from. */
  events(since: number, limit?: number): Promise<{ events: ContainerEvent[]; next: number; more: boolean }>;
  emitEvent(id: string, action: ContainerEvent['action'], attributes?: Record<string, string>): Promise<void>;
  /** Emits the event unless one with this action and key was emitted before (idempotent retries). */
  emitEventOnce(
    id: string,
    key: string,
    action: ContainerEvent['action'],
    attributes?: Record<string, string>,
  ): Promise<void>;

  // --- start claim and legacy hostConfig ----------------------------------------------------
  /** Writes a hostConfig passed at start (legacy API) into the container record. */
  setHostConfig(id: string, hostConfig: HostConfig): Promise<void>;
  /**
   * The claim: under the container lock, records `owner` as the saga starting the container and returns the
   * record. Re-claiming by the same owner succeeds. Throws ContainerBeingRemoved (409) when removal is in
   * progress or the container is dead, and StartInProgress (409) when another live owner holds it
   * (`isAlive` decides whether a recorded owner still runs; a dead owner's claim is taken over).
   */
  claimStart(id: string, owner: StartOwner, isAlive: (o: StartOwner) => Promise<boolean>): Promise<ContainerRecord>;
  /** Drops the claim if `owner` holds it. Idempotent. */
  releaseStart(id: string, owner: StartOwner): Promise<void>;

  // --- host steps and their releases: the table in common/steps.ts, each step in runtime/steps/ ---------------
  /** Runs a host step's acquire (idempotent: adopts what an earlier attempt left). */
  acquire<N extends HostStepName>(step: N, req: AcquireRequests[N], ctx?: StepContext): Promise<AcquireResults[N]>;
  /** Runs a release (idempotent; fine when its step never ran or only half ran). */
  release(release: ReleaseName, id: string, ctx?: StepContext): Promise<void>;
  /** The running containers this one links to; ContainerNotRunning (409) when one is not running. */
  linkedContainers(id: string): Promise<LinkTarget[]>;

  // --- state (mark-running and the failure path)
  // ---------------------------------------------------------------------------------
  /**
   * Running, Pid, StartedAt, HasBeenStartedBefore and the start run that did it (`by`) to disk; `start` event. A
   * no-op when already running with this pid.
   */
  markRunning(id: string, pid: number, by?: StartOwner): Promise<ContainerRecord>;
  /** F: Error recorded, ExitCode 128 when 0 (or the start error's own code), not running, to disk. */
  markFailed(id: string, error: string, exitCode: number): Promise<void>;
  /** Records resources a release could not free (or clears them with []), for inspect and gc. */
  recordLeftovers(id: string, leftovers: string[]): Promise<ContainerRecord>;

  // --- lifecycle outside the start saga -------------------------------------------------------------------------
  /** SIGTERM, then SIGKILL after timeoutSeconds; then the same releases as the compensations; `die` + `stop`. */
  stop(id: string, timeoutSeconds: number, ctx?: StepContext): Promise<StopResult>;
  /** Refuses a running container unless force (Conflict 409); releases everything, deletes the record. */
  /** `volumes`: the container's anonymous volumes go too (docker rm -v) */
  remove(id: string, force: boolean, ctx?: StepContext, volumes?: boolean): Promise<void>;
  /** One bounded page of the container's output, from a cursor or the last N lines (runtime/logs.ts). */
  logPage(id: string, opts?: LogPageOptions): Promise<LogPage>;
  /** The whole output at once (small logs only: clients page with logPage). */
  logs(id: string): Promise<string>;

  // --- kill, pause, unpause, exec (runtime/pause.ts, runtime/exec.ts) ---------------------------------------------
  /** Signal (default SIGKILL; Docker's names or numbers, 400 otherwise) to a running container (409 otherwise). */
  kill(ref: string, signal?: string): Promise<KillResult>;
  /** Freezes a running container (409 when not running or already paused). */
  pause(ref: string): Promise<PauseResult>;
  /** Thaws a paused container (409 when not paused). */
  unpause(ref: string): Promise<PauseResult>;
  /** Registers an exec on a running, unpaused container (409 otherwise): its ID in ExecIDs. */
  createExec(input: ExecInput): Promise<{ containerId: string; execId: string }>;
  /** Runs a registered exec to its end and unregisters it; its output goes to files read by readExecOutput. */
  runExec(containerId: string, execId: string, input: ExecInput, ctx?: StepContext): Promise<ExecResult>;
  /** One bounded page of an exec's stdout and stderr. */
  readExecOutput(input: ExecOutputInput): Promise<ExecOutputResult>;

  importImage(name: string, source: string): Promise<ImageInfo>;
  listImages(): Promise<ImageInfo[]>;

  /**
   * Releases recorded leftovers and every held resource no running or starting container owns (Docker's
   * restore at boot). Resources of a container whose claim `isStarting` says is live are left to its saga.
   */
  gc(isStarting: (rec: ContainerRecord) => Promise<boolean>, ctx?: StepContext): Promise<GcReport>;

  /**
   * Every release (the process's first, then the others at once), each tried; returns what could not be released, in
   * teardown order.
   */
  releaseAll(id: string, ctx?: StepContext): Promise<string[]>;

  /** Every resource the driver currently holds (mounts, netns, IPs, processes…), for leak checks and gc. */
  heldResources(): Promise<HeldResource[]>;
}
