import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';

/**
 * Activity options by kind of step. Timeouts are sized so that a worker that dies mid-step is noticed
 * quickly (heartbeat timeout) and the step retried on another worker well within 30 s.
 * Non-retryable failures (Docker's input and state errors) are marked so by the activities themselves.
 */

/**
 * A cancelled saga waits for its step to really stop before compensating: otherwise the compensation could
 * run while the step is still mounting, and the step's side effect would leak.
 */
const waitForCancel = { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED };

/** Record reads and writes, pure checks: quick, a few fast retries. */
export const fast: ActivityOptions = {
  ...waitForCancel,
  startToCloseTimeout: '10s',
  retry: { initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '2s', maximumAttempts: 5 },
};

/** Steps with real side effects (mounts, netns + CNI, runc): may be slow, so they heartbeat. */
export const sideEffect: ActivityOptions = {
  ...waitForCancel,
  startToCloseTimeout: '60s',
  heartbeatTimeout: '5s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 5 },
};

/** Compensations: idempotent releases, retried with backoff; when the budget is spent the leftover is recorded. */
export const cleanup: ActivityOptions = {
  startToCloseTimeout: '60s',
  heartbeatTimeout: '5s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 8 },
};

/** Stop and remove: the stop timeout plus room to release everything. */
export const lifecycle: ActivityOptions = {
  startToCloseTimeout: '5m',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 5 },
};
