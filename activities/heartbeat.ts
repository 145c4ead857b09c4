import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { StepContext } from '../runtime/contract';

/**
 * Runs a slow step with heartbeats: one every third of its heartbeat timeout while it runs, at least a second
 * apart (so a live worker is never timed out: the SDK sends at most one per 80 % of the timeout anyway, and
 * each costs the payload codec's encryption, times every monitored container), carrying the driver's latest
 * progress note. A dead worker stops heartbeating, and Temporal retries the step
 * elsewhere after the heartbeat timeout. A step that gives up because it was cancelled reports a
 * cancellation, not a failure, so the saga sees it as such.
 * A note is not sent when it is made: the SDK sends an activity's first heartbeat at once, and the server
 * persists each one, so a 30 ms network step that notes "CNI ADD" would cost a server write per start.
 * A step shorter than a second heartbeats not at all; a longer one shows its note within a few seconds.
 * A local activity (a host step of the owner's worker) cannot heartbeat: the SDK keeps its workflow
 * task alive instead, and a dead worker is noticed when that task times out.
 */
export async function withHeartbeat<T>(
  fn: (ctx: StepContext) => Promise<T>,
  opts: { yieldTo?: AbortSignal } = {},
): Promise<T> {
  const activity = Context.current();
  let note: string | undefined;
  const timer = activity.info.isLocal
    ? undefined
    : setInterval(() => activity.heartbeat(note), Math.max(1000, (activity.info.heartbeatTimeoutMs ?? 3000) / 3));
  const { yieldTo } = opts;
  try {
    const signal = yieldTo ? AbortSignal.any([activity.cancellationSignal, yieldTo]) : activity.cancellationSignal;
    return await fn({ progress: (detail) => (note = detail ?? note), signal });
  } catch (err) {
    if (activity.cancellationSignal.aborted) throw new CancelledFailure(`cancelled: ${(err as Error).message}`);
    if (yieldTo?.aborted) throw workerStopping();
    throw err;
  } finally {
    clearInterval(timer);
  }
}

/**
 * What a wait that only watches (the monitor's wait for exit, docker wait) throws when its worker stops: a
 * retryable failure, so the wait goes on at once on another worker (the exit file still tells how the run
 * ended) instead of holding the stopping worker for its whole shutdown grace.
 */
export function workerStopping(): ApplicationFailure {
  return ApplicationFailure.retryable('the worker is stopping: the wait goes on on another worker', 'WorkerStopping');
}
