import { ApplicationFailure } from '@temporalio/common';
import { ContainerError, type FailureDetail } from '../common/errors';
import { wellFormed } from '../common/value-checks';

/**
 * Driver error → ApplicationFailure of the same type, non-retryable unless a retry can help. Its first detail
 * is the Docker detail ({type, message, status}) so the workflow and clients read it without parsing text.
 * Anything else is left as it is: an unexpected error is retried under the step's retry policy.
 */
export function toFailure(err: unknown): unknown {
  if (!(err instanceof ContainerError)) return err;
  const detail = failureDetailOf(err);
  return ApplicationFailure.create({
    type: err.type,
    message: detail.message,
    nonRetryable: !err.retryable,
    details: [detail],
  });
}

/** A driver error's Docker detail, as a workflow or client reads it ({type, message, status}). */
export function failureDetailOf(err: ContainerError): FailureDetail {
  // a lone surrogate (a client's string echoed) would fail the worker as it encodes the completion
  return { type: err.type, message: wellFormed(err.message), status: err.status };
}

/** Runs fn, turning driver errors into failures. */
export async function classified<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toFailure(err);
  }
}
