import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { StepContext } from '../runtime/contract';

/**
 * Runs a slow step with heartbeats: one every second while it runs (so a live worker is never timed out)
 * plus the driver's own progress notes. A dead worker stops heartbeating, and Temporal retries the step
 * elsewhere after the heartbeat timeout. A step that gives up because it was cancelled reports a
 * cancellation, not a failure, so the saga sees it as such.
 */
export async function withHeartbeat<T>(fn: (ctx: StepContext) => Promise<T>): Promise<T> {
  const activity = Context.current();
  const timer = setInterval(() => activity.heartbeat(), 1000);
  try {
    return await fn({ progress: (detail) => activity.heartbeat(detail), signal: activity.cancellationSignal });
  } catch (err) {
    if (activity.cancellationSignal.aborted) throw new CancelledFailure(`cancelled: ${(err as Error).message}`);
    throw err;
  } finally {
    clearInterval(timer);
  }
}
