import { ContainerError, Messages, type FailureDetail } from './errors';
import type { LocatedHere } from './hosts-api';
import type { RefusingStep } from './steps';
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
 * Final status of a start, as reported in its result record. The saga fails a start of a running container
 * with AlreadyStarted (304); `already-running` is how the CLI reports that answer, which Docker's CLI and ours
 * count as started.
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
  /** the container's host */
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
  /** whether HostConfig has binds, volumes or tmpfs mounts */
  hasMounts: boolean;
  /** HostConfig.AutoRemove (`run --rm`): a failed start removes the container, as its exit does */
  autoRemove?: true;
  /** the asking start run holds the claim */
  claimedByThisRun?: true;
  /** the asking start run marked the current or last run running */
  startedByThisRun?: true;
  /** the running process's pid */
  pid?: number;
  ipAddress?: string;
}

/**
 * A start's first look (activities `claimHere`): where the ref is, as `locateHere` answers; and when the
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
