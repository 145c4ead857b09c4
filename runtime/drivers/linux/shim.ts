import { promises as fs } from 'node:fs';

/**
 * /proc checks and the integer files of the container's process (conmon-start.ts, process.ts), and the exec
 * record that names the process's monitor: conmon since this release; the `sh -c 'runc run'` shim of the
 * previous one (shimPid), whose containers may still run after an upgrade and are probed, stopped and
 * recorded through the files it writes (process.ts, legacyProbe).
 */

/** The exec record: which monitor holds the container, and the container's pid once it runs. */
export interface ExecRecord {
  /** the start attempt (also in the attempt file) */
  attempt: string;
  /** conmon's pid (from its pid file), unset between the attempt being recorded and conmon having started */
  conmonPid?: number;
  /** /proc start time of conmon, to tell it from a reused pid */
  conmonStart?: number;
  /** a container started by the previous release: its `sh -c 'runc run …; echo $? > exit-code'` shim */
  shimPid?: number;
  shimStart?: number;
  pid?: number;
  pidStart?: number;
  startedAt: string;
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
