import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ContainerStartResult } from '../common/start-api';

/** An error the CLI prints as one line: Docker's type, message and status, and the start record when there is one. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly type: string = 'Error',
    readonly status = 500,
    readonly record?: ContainerStartResult,
    /** exit code: 125 for the CLI's own usage errors (as Docker's CLI), 1 for the daemon's */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, 'Usage', 400, undefined, 125);
}

/** A failed workflow's cause → CliError with the Docker type and message; anything else unchanged. */
export function toCliError(err: unknown, address?: string): unknown {
  if (err instanceof CliError) return err;
  if (err instanceof WorkflowFailedError) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure) {
      const record = cause.details?.[0] as ContainerStartResult | undefined;
      const status = record && typeof record === 'object' && 'error' in record ? record.error?.status : undefined;
      return new CliError(cause.message, cause.type ?? 'Error', status ?? 500, record && 'steps' in record ? record : undefined);
    }
    if (cause instanceof CancelledFailure) return new CliError('start cancelled', 'Cancelled', 499);
    return new CliError(cause?.message ?? err.message);
  }
  if (err instanceof Error && /14 UNAVAILABLE|ECONNREFUSED|Failed to connect/i.test(err.message)) {
    return new CliError(`cannot reach Temporal at ${address ?? 'TEMPORAL_ADDRESS'} (is \`npm run server\` running?)`, 'Unavailable', 503);
  }
  return err;
}
