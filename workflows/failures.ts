import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TimeoutFailure } from '@temporalio/workflow';
import { ContainerError, ErrorStatus, StartExitCodes, type ErrorType, type FailureDetail } from '../common/errors';
import { checkWorkflowInput, type CheckedWorkflow } from '../common/input-check';
import { wellFormed } from '../common/value-checks';

/** The Docker detail of whatever stopped a step: an activity's typed failure, a pure check, or a timeout. */
export function detailOf(err: unknown): FailureDetail {
  const cause = err instanceof ActivityFailure || err instanceof ChildWorkflowFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type) {
    const type = cause.type as ErrorType;
    return { type, message: cause.message, status: ErrorStatus[type] ?? 500 };
  }
  if (cause instanceof ContainerError) return { type: cause.type, message: cause.message, status: cause.status };
  if (cause instanceof TimeoutFailure) {
    const what = err instanceof ActivityFailure ? err.activityType : 'step';
    return { type: 'Internal', message: `${what} timed out (${cause.timeoutType})`, status: 500 };
  }
  return { type: 'Internal', message: cause instanceof Error ? cause.message : String(cause), status: 500 };
}

/** The failure a workflow ends with: the Docker type and message, and the given records as details. */
export function failureOf(detail: FailureDetail, ...details: unknown[]): ApplicationFailure {
  // a lone surrogate (a client's string echoed) would fail the worker as it encodes the completion
  return ApplicationFailure.create({
    type: detail.type,
    message: wellFormed(detail.message),
    nonRetryable: true,
    details,
  });
}

/** Runs a verb's activities; a failure ends the workflow with the Docker type and message at the top level. */
export async function surfaced<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw failureOf(detailOf(err));
  }
}

/** Exit code Docker records for a failed start: 127/126 for exec errors, 128 otherwise. */
export function exitCodeFor(type: string): number {
  if (type === 'CommandNotFound') return StartExitCodes.CommandNotFound;
  if (type === 'CommandNotInvocable') return StartExitCodes.CommandNotInvocable;
  return StartExitCodes.Other;
}

/**
 * A workflow's first line: its input checked (common/input-check.ts). A malformed one ends the run at once with
 * InvalidParameter (400), non-retryable, instead of a TypeError in workflow code that fails its workflow task
 * again and again (a stuck run). The check adds no command to the history.
 */
export function checkInput(type: CheckedWorkflow, input: unknown): void {
  try {
    checkWorkflowInput(type, input);
  } catch (err) {
    throw failureOf(detailOf(err));
  }
}
