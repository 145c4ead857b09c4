import { spawn } from 'node:child_process';
import { ContainerError } from '../../common/errors';

/** The one module that starts processes: short-lived tools (run) and the detached container shim. */

export interface RunOptions {
  /** written to stdin, then stdin is closed */
  input?: string;
  /** the whole environment of the tool (default: the worker's) */
  env?: NodeJS.ProcessEnv;
  /** killed (SIGKILL) after this long; default 60 s */
  timeoutMs?: number;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a tool to completion and returns its exit status and output. Never throws for a non-zero exit. */
export function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: opts.env ?? process.env, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        e.code === 'ENOENT'
          ? new ContainerError('RuntimeUnavailable', `${file} is not installed (see runtime/linux/prereqs.ts)`, { cause: e })
          : new ContainerError('Internal', `cannot run ${file}: ${e.message}`, { cause: e }),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => {}); // a tool that exits without reading its stdin: EPIPE is not our error
      child.stdin!.end(opts.input);
    }
  });
}

/** What a failed tool said, for an error message. */
export function toolOutput(r: RunResult): string {
  const text = (r.stderr.trim() || r.stdout.trim()).replace(/\s+\n/g, '\n');
  const status = r.signal ? `killed by ${r.signal}` : `exit status ${r.code}`;
  return text ? `${text} (${status})` : status;
}

/**
 * Runs a tool and throws ContainerError 'Internal' (retryable) when it fails, with `what` as context and the
 * tool's stderr in the message: "mount overlay for 0123456789ab: mount: …: No such file or directory (exit status 32)".
 */
export async function runChecked(what: string, file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(file, args, opts);
  if (r.code !== 0) throw new ContainerError('Internal', `${what}: ${toolOutput(r)}`);
  return r;
}

/**
 * Starts a process that outlives the worker: its own session (setsid, so no SIGHUP or group signal from the
 * worker reaches it), stdin from /dev/null, stdout and stderr to `logFd` (one fd, or one each), unref'd.
 * Returns its pid.
 */
export function spawnDetached(file: string, args: readonly string[], logFd: number | { stdout: number; stderr: number }, env?: NodeJS.ProcessEnv): Promise<number> {
  const [out, err] = typeof logFd === 'number' ? [logFd, logFd] : [logFd.stdout, logFd.stderr];
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { detached: true, stdio: ['ignore', out, err], env: env ?? process.env });
    child.once('error', (e) => reject(new ContainerError('Internal', `cannot start ${file}: ${e.message}`, { cause: e })));
    child.once('spawn', () => {
      child.unref();
      resolve(child.pid!);
    });
  });
}
