import { ErrorStatus, type ErrorType } from '../common/errors';
import type { ContainerStartResult } from '../common/start-api';
import { getConfig } from '../config';

/**
 * Who an error speaks for, which decides the line it prints as (Docker's CLI conventions):
 *   daemon  the worker answered with a Docker error    → "Error response from daemon: <message>", exit 1
 *   cli     this CLI failed (Temporal unreachable, …)  → "Error: <message>", exit 1
 *   usage   a malformed command line, nothing was sent → "container-saga: <message>", exit 125
 */
export type ErrorOrigin = 'daemon' | 'cli' | 'usage';

export interface CliErrorOptions {
  /** the Docker error type (ErrorTypes) for daemon errors; a short tag otherwise */
  type?: string;
  /** Docker's HTTP status for the type */
  status?: number;
  origin?: ErrorOrigin;
  /** the start saga's record, when the error comes from a start */
  record?: ContainerStartResult;
  exitCode?: number;
}

/** An error the CLI prints as one line: Docker's type, message and status, and the start record when there is one. */
export class CliError extends Error {
  readonly type: string;
  readonly status: number;
  readonly origin: ErrorOrigin;
  readonly record?: ContainerStartResult;
  readonly exitCode: number;
  constructor(message: string, opts: CliErrorOptions = {}) {
    super(message);
    this.name = 'CliError';
    this.origin = opts.origin ?? 'daemon';
    this.type = opts.type ?? 'Error';
    this.status = opts.status ?? 500;
    this.record = opts.record;
    this.exitCode = opts.exitCode ?? (this.origin === 'usage' ? 125 : 1);
  }
}

/** A malformed command line (Docker's CLI exits 125 for these); `command` names the verb for the help hint. */
export function usageError(message: string, command?: string): CliError {
  const hint = `See 'container-saga ${command ? `${command} ` : ''}--help'.`;
  return new CliError(`${message.replace(/\.$/, '')}. ${hint}`, { type: 'Usage', status: 400, origin: 'usage' });
}

/** A failure of this CLI rather than of the daemon. */
export function cliError(message: string, type = 'Error', exitCode = 1): CliError {
  return new CliError(message, { type, origin: 'cli', exitCode });
}

/**
 * Temporal does not answer at `address`; with `cause` (a TLS connection) its first line replaces the dev server hint.
 */
export const unreachable = (address: string, cause?: unknown) =>
  cliError(
    `cannot reach Temporal at ${address} (${cause === undefined ? 'is `npm run server` running?' : `over TLS: ${firstLine(cause)}`})`,
    'Unavailable',
  );

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

/**
 * Anything a Temporal call threw → CliError. A failed workflow's (or read Update's) ApplicationFailure carries the
 * Docker type and message (and, for a start, the saga record as its first detail); cancellation, termination and
 * timeouts say so; a refused connection names the address. Other errors (bugs) are returned unchanged.
 */
export function toCliError(err: unknown, address: string): unknown {
  if (err instanceof CliError) return err;
  // Required here, not imported: the Temporal client is most of a command's start-up (gRPC, protobufjs, the
  // API's protos), which --version, --help and usage errors never need; an error that comes here came from a
  // Temporal call, so the client is loaded by then.
  const {
    WorkflowFailedError,
    WorkflowUpdateFailedError,
    ApplicationFailure,
    CancelledFailure,
    TerminatedFailure,
    TimeoutFailure,
    // eslint-disable-next-line @typescript-eslint/no-require-imports
  } = require('@temporalio/client') as typeof import('@temporalio/client');
  // A read is an Update of the reads workflow (client/reads.ts): its failure carries the same ApplicationFailure
  // a read's own workflow failed with, so it maps the same way.
  if (err instanceof WorkflowFailedError || err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure) {
      const first = cause.details?.[0];
      const record = isStartRecord(first) ? first : undefined;
      const type = cause.type ?? 'Error';
      const status = record?.error?.status ?? ErrorStatus[type as ErrorType] ?? 500;
      return new CliError(cause.message, { type, status, record });
    }
    if (cause instanceof CancelledFailure) return cliError('cancelled', 'Cancelled', 130);
    if (cause instanceof TerminatedFailure)
      return cliError(`the workflow was terminated${cause.message ? `: ${cause.message}` : ''}`, 'Terminated');
    if (cause instanceof TimeoutFailure) return cliError('the workflow timed out', 'Timeout');
    return cliError(cause?.message ?? err.message);
  }
  if (isUnavailable(err)) return unreachable(address);
  return err;
}

function isStartRecord(v: unknown): v is ContainerStartResult {
  return typeof v === 'object' && v !== null && Array.isArray((v as ContainerStartResult).steps);
}

/** gRPC UNAVAILABLE (14), refused or timed-out connections, however deep in the cause chain. */
function isUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === 14) return true;
    if (
      /14 UNAVAILABLE|ECONNREFUSED|Failed to connect|failed to connect|connect timeout|Deadline exceeded/i.test(
        e.message,
      )
    )
      return true;
  }
  return false;
}

/**
 * A message as one printable line: control characters (a flag value "\n", a name with an escape sequence) are
 * written as Go's %q writes them, so one error never spans lines nor drives the terminal.
 */
export function oneLine(message: string): string {
  return message.replace(
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    /[\x00-\x1f\x7f\u2028\u2029]/g,
    (c) =>
      CONTROL_ESCAPES[c] ??
      (c.charCodeAt(0) > 0xff
        ? `\\u${c.charCodeAt(0).toString(16)}`
        : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`),
  );
}
const CONTROL_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};

/** The line (without newline) an error prints as, and the exit code: the one formatting rule of the CLI. */
export function describeError(err: unknown): { line: string; exitCode: number } {
  if (err instanceof CliError) {
    const prefix =
      err.origin === 'daemon'
        ? 'Error response from daemon: '
        : err.origin === 'usage'
          ? 'container-saga: '
          : 'Error: ';
    return { line: `${prefix}${oneLine(err.message)}`, exitCode: err.exitCode };
  }
  // A bug: one line still, the stack only on request.
  const message = err instanceof Error ? err.message : String(err);
  if (getConfig().debug && err instanceof Error && err.stack) return { line: `Error: ${err.stack}`, exitCode: 1 };
  return { line: `Error: ${message.split('\n')[0]}`, exitCode: 1 };
}
