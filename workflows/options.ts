import { ActivityCancellationType, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';

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

/**
 * The fast group as local activities: the worker runs them inside the workflow task, and their results
 * are recorded as markers when that task completes, so consecutive ones cost no server round trip. A worker
 * that dies mid-task loses them with the task; the next worker replays and runs them again, which the
 * activities allow (they are idempotent; the claim is keyed by the workflow run).
 */
export const fastLocal: LocalActivityOptions = {
  ...waitForCancel,
  startToCloseTimeout: fast.startToCloseTimeout,
  retry: fast.retry,
};

/** Steps with real side effects (mounts, netns + CNI, runc): may be slow, so they heartbeat. */
export const sideEffect: ActivityOptions = {
  ...waitForCancel,
  startToCloseTimeout: '60s',
  heartbeatTimeout: '5s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 5 },
};

/**
 * The side-effect steps as local activities on the owner's worker: the whole start in one workflow
 * task. They cannot heartbeat; a worker that dies mid-step loses the workflow task, which times out and is
 * replayed by the next worker, and the steps run again and adopt what the dead one made (each is idempotent,
 * as for a retried activity). The SDK extends the workflow task while a step runs longer than it.
 */
export const sideEffectLocal: LocalActivityOptions = {
  ...waitForCancel,
  startToCloseTimeout: sideEffect.startToCloseTimeout,
  retry: sideEffect.retry,
};

/** Compensations: idempotent releases, retried with backoff; when the budget is spent the leftover is recorded. */
export const cleanup: ActivityOptions = {
  startToCloseTimeout: '60s',
  heartbeatTimeout: '5s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 8 },
};

/**
 * The failure path as local activities on the owner's worker: the releases, the failure's record and
 * `die`, with the cleanup group's time and retry budget, in the same workflow task as the step that failed.
 */
export const cleanupLocalSteps: LocalActivityOptions = {
  startToCloseTimeout: cleanup.startToCloseTimeout,
  retry: cleanup.retry,
};

/** Releasing the claim as a local activity: a record write, with the cleanup group's retry budget. */
export const cleanupLocal: LocalActivityOptions = {
  startToCloseTimeout: '10s',
  retry: cleanup.retry,
};

/** Stop and remove: the stop timeout plus room to release everything. */
export const lifecycle: ActivityOptions = {
  startToCloseTimeout: '5m',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 5 },
};
