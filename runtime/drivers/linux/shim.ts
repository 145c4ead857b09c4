import { promises as fs } from 'node:fs';
import { spawnDetached } from './exec';
import { tool } from './tools';

/**
 * The container's process outlives the worker through a detached shim:
 *
 *   sh -c 'runc --root R --log L --log-format json run --bundle B --pid-file P ID; echo $? > X'
 *
 * started in its own session with stdout/stderr on container.log and unref'd. `runc run` (foreground) stays
 * the container's parent: it reaps it, destroys the runc state and the cgroup when it exits, and exits with its
 * status (128+signal when killed); sh then writes that to the exit file. runc writes the pid file once the
 * container process is running, so "pid file present" means started and "exit file without pid file" means
 * the start failed (the reason is in runc's json log). A worker SIGKILLed at any point leaves the shim and the
 * container running; the files let the next worker adopt them.
 */
export interface ShimFiles {
  runcRoot: string;
  bundle: string;
  pidFile: string;
  exitFile: string;
  runcLog: string;
  log: string;
  /** holds the token of the current start attempt */
  attemptFile: string;
  /** where `runc events` writes while the container runs */
  eventsFile: string;
}

/** The exec record: which shim runs the container, and the container's pid once it runs. */
export interface ExecRecord {
  /** the start attempt (also in the attempt file) */
  attempt: string;
  /** unset between the attempt being recorded and its shim being started */
  shimPid?: number;
  /** /proc start time of the shim, to tell it from a reused pid */
  shimStart?: number;
  pid?: number;
  pidStart?: number;
  startedAt: string;
}

/**
 * $1 runc, $2 runc root, $3 runc log, $4 bundle, $5 pid file, $6 ID, $7 exit file, $8 attempt file, $9 token,
 * ${10} the events file.
 * The exit status is written only while the attempt file still names this shim's attempt: a shim of an
 * abandoned attempt (its worker died before recording it) cannot report for the attempt that replaced it.
 * Only shell builtins run after runc.
 */
const SCRIPT =
  // the events file exists from the start, so the files of a started container do not change afterwards
  ': > "${10}"; ' +
  '"$1" --root "$2" --log "$3" --log-format json run --bundle "$4" --pid-file "$5" "$6" & r=$!; ' +
  // runc events reports the OOM killer while the container exists (its cgroup goes with it): started once
  // the pid file says the container runs, it ends with the container. It attaches within some tens of ms:
  // an OOM kill before that is not seen (the run then ends 137 without OOMKilled).
  '( while [ ! -s "$5" ]; do kill -0 $r 2>/dev/null || exit 0; sleep 0.01; done; ' +
  // (no periodic stats: only notices, so the file stays empty unless the OOM killer struck)
  'exec "$1" --root "$2" events --interval 100000h "$6" > "${10}" 2>/dev/null ) & ' +
  'wait $r; c=$?; read t < "$8"; [ "$t" = "$9" ] && echo $c > "$7"';

/** Starts the shim for attempt `token` (already written to f.attemptFile); returns its pid. */
export function spawnShim(id: string, token: string, f: ShimFiles): Promise<number> {
  const args = [
    '-c',
    SCRIPT,
    'container-saga-shim',
    tool('runc'),
    f.runcRoot,
    f.runcLog,
    f.bundle,
    f.pidFile,
    id,
    f.exitFile,
    f.attemptFile,
    token,
    f.eventsFile,
  ];
  // A minimal environment: the worker's own variables have no business in the shim or runc.
  return spawnDetached(tool('sh'), args, f.log, { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' });
}

/** State and start time of a process from /proc/<pid>/stat; undefined when there is no such process. */
export async function procStat(pid: number): Promise<{ state: string; start: number } | undefined> {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  let text: string;
  try {
    text = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses; fields resume after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0]!, start: Number(rest[19]) };
}

/** True while pid runs (a zombie counts as gone) and, when `start` is given, is still the same process. */
export async function isLive(pid: number | undefined, start?: number): Promise<boolean> {
  if (pid === undefined) return false;
  const st = await procStat(pid);
  if (!st || st.state === 'Z' || st.state === 'X') return false;
  return start === undefined || st.start === start;
}

/**
 * Sends `sig` to pid (or, negative, its process group) only while the pid is still the process that started
 * at `start` (/proc/<pid>/stat's starttime, recorded at spawn): a pid reused by another process is left
 * alone. Node has no pidfd, so a window of one /proc read remains. `start` undefined (a record from before
 * start times were kept): the pid as it is. False when the process is gone.
 */
export async function signalSame(
  pid: number,
  start: number | undefined,
  sig: NodeJS.Signals | number,
): Promise<boolean> {
  if (start !== undefined && (await procStat(Math.abs(pid)))?.start !== start) return false;
  try {
    process.kill(pid, sig);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** An integer file (pid, exit code); undefined when missing or not (yet) fully written. */
export async function readIntFile(file: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const t = text.trim();
  return /^\d+$/.test(t) ? Number(t) : undefined;
}
