import { CliError, toCliError } from '../client/errors';
import { ApiError } from './http';

/**
 * Any failure of a handler → Docker's status and message. The workflows already speak Docker (their
 * ApplicationFailures carry Docker's error type, whose status ErrorStatus gives); Temporal being
 * unreachable is a 503 naming the address; a bug is a 500 with its message, never a stack.
 */
export function toApiError(err: unknown, address: string): ApiError {
  if (err instanceof ApiError) return err;
  const e = toCliError(err, address);
  if (e instanceof CliError) {
    if (e.type === 'Unavailable' || e.type === 'NoWorker') return new ApiError(503, e.message);
    if (e.type === 'Cancelled') return new ApiError(500, e.message);
    return new ApiError(e.status >= 400 && e.status < 600 ? e.status : 500, e.message);
  }
  return new ApiError(500, e instanceof Error ? e.message : String(e));
}

/**
 * Whether a failure is one of Docker's answers (the API's own, or a workflow's or the CLI library's), rather than a
 * bug.
 */
export function isDockerError(err: unknown, address: string): boolean {
  return err instanceof ApiError || toCliError(err, address) instanceof CliError;
}
