import { spawn, type StdioOptions } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { ContainerError } from '../../../common/errors';
import { spawner, type HelperReply } from './spawner';

/**
 * The one module that starts processes: short-lived tools (run) and the detached container shim, through the
 * spawn helper (spawner.ts) once it is up.
 */

export interface RunOptions {
  /** written to stdin, then stdin is closed */
  input?: string;
  /** the whole environment of the tool (default: the worker's) */
  env?: NodeJS.ProcessEnv;
  /** killed (SIGKILL) after this long; default 60 s */
  timeoutMs?: number;
  /** its working directory (mount(8) resolves overlay's relative lowerdir against it) */
  cwd?: string;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a tool to completion and returns its exit status and output. Never throws for a non-zero exit. The
 * spawn helper (spawner.ts) starts it when it is up, else this process does.
 */
export async function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const env = opts.env ?? process.env;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const viaHelper = spawner.request({ op: 'run', file, args, env, input: opts.input, timeoutMs, cwd: opts.cwd });
  if (!viaHelper) return runHere(file, args, env, opts.input, timeoutMs, opts.cwd);
  const r = await helped(file, viaHelper);
  return r as RunResult;
}

function spawnFailure(file: string, e: { code?: string; message: string }, cause?: unknown): ContainerError {
  return e.code === 'ENOENT'
    ? new ContainerError('RuntimeUnavailable', `${file} is not installed (see runtime/linux/prereqs.ts)`, {
        cause: cause ?? e,
      })
    : new ContainerError('Internal', `cannot run ${file}: ${e.message}`, { cause: cause ?? e });
}

function startFailure(file: string, e: { message: string }, cause?: unknown): ContainerError {
  return new ContainerError('Internal', `cannot start ${file}: ${e.message}`, { cause: cause ?? e });
}

/** The helper's reply, its spawn errors mapped as ours; a helper gone mid-request is a retryable Internal. */
async function helped(file: string, reply: Promise<HelperReply>, failure = spawnFailure): Promise<HelperReply> {
  let r: HelperReply;
  try {
    r = await reply;
  } catch (err) {
    throw new ContainerError('Internal', `run ${file}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  if ('error' in r) throw failure(file, r.error);
  return r;
}

function runHere(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  input: string | undefined,
  timeoutMs: number,
  cwd?: string,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, cwd, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(spawnFailure(file, { code: e.code, message: e.message }, e));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    if (input !== undefined) {
      child.stdin!.on('error', () => {}); // a tool that exits without reading its stdin: EPIPE is not our error
      child.stdin!.end(input);
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
export async function runChecked(
  what: string,
  file: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  const r = await run(file, args, opts);
  if (r.code !== 0) throw new ContainerError('Internal', `${what}: ${toolOutput(r)}`);
  return r;
}

/**
 * Starts a process that outlives the worker: its own session (setsid, so no SIGHUP or group signal from the
 * worker reaches it), stdin from /dev/null, stdout and stderr appended to `log` (one file, or one each,
 * created 0600), unref'd, in `cwd` (default the worker's). Returns its pid.
 */
export async function spawnDetached(
  file: string,
  args: readonly string[],
  log: string | { stdout: string; stderr: string },
  env?: NodeJS.ProcessEnv,
  cwd?: string,
): Promise<number> {
  const logs = typeof log === 'string' ? [log] : [log.stdout, log.stderr];
  const viaHelper = spawner.request({ op: 'detached', file, args, env: env ?? process.env, logs, cwd });
  if (viaHelper) return ((await helped(file, viaHelper, startFailure)) as { pid: number }).pid;
  const handles = await Promise.all(logs.map((f) => fs.open(f, 'a', 0o600)));
  try {
    return await new Promise<number>((resolve, reject) => {
      const stdio: StdioOptions = ['ignore', handles[0]!.fd, handles[handles.length - 1]!.fd];
      const child = spawn(file, args, { detached: true, stdio, env: env ?? process.env, cwd });
      child.once('error', (e) => reject(startFailure(file, e, e)));
      child.once('spawn', () => {
        child.unref();
        resolve(child.pid!);
      });
    });
  } finally {
    await Promise.all(handles.map((h) => h.close()));
  }
}
