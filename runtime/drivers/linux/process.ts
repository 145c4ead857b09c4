import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { ContainerError } from '../../../common/errors';
import type { StepContext } from '../../contract';
import { exists, readJson, sleep } from '../../fsutil';
import { short, type Layout } from '../layout';
import { runcDelete } from './runc';
import { isLive, procStat, readIntFile, signalSame, type ExecRecord } from './shim';

/**
 * The container's process, from the files conmon and runc write (conmon-start.ts) and /proc: tell whether it
 * runs, stop it, unregister it. A container started by the previous release's shim (its exec record names
 * `shimPid`) is read from that shim's files instead (legacyProbe), so an upgrade leaves no container unseen.
 */

/** Poll interval while waiting on conmon / a process: short, the files appear within milliseconds. */
export const POLL_MS = 2;
/** Exit code recorded when a process is gone and nobody recorded its status (its conmon was killed too). */
export const UNKNOWN_EXIT = 255;

export type ProcState =
  | { kind: 'running'; pid: number; pidStart: number | undefined }
  // conmon (or a legacy shim) runs, the container process does not (starting, or just exited)
  | { kind: 'pending'; monitor: Monitor }
  | { kind: 'exited'; code: number; at: string; oomKilled: boolean }
  | { kind: 'none' };

/** The process that holds the container: conmon, or the previous release's shim (its own process group). */
export interface Monitor {
  pid: number;
  start: number | undefined;
  legacy: boolean;
}

/**
 * conmon's files of one start attempt: its --exit-dir (the exit status, named by the container ID), its own
 * pid and output. One directory per attempt: the conmon of an abandoned attempt (its worker died before
 * recording it) writes only there, never for the attempt that replaced it.
 */
export function attemptFiles(l: Layout, id: string, attempt: string) {
  const dir = path.join(l.persistDir(id), attempt);
  return {
    dir,
    exit: path.join(dir, id),
    conmonPid: path.join(dir, 'conmon.pid'),
    conmonLog: path.join(dir, 'conmon.log'),
  };
}

/** The process's files, for the container's removal: records, runc's log, conmon's dirs, the attach link. */
export function processFiles(l: Layout, id: string): string[] {
  const legacy = [l.exitFile(id), l.runcEvents(id)];
  return [
    l.execRecord(id),
    l.pidFile(id),
    l.attemptFile(id),
    l.runcLog(id),
    l.persistDir(id),
    ...legacy,
    attachLink(l, id),
  ];
}

/** conmon's link `<attachDir>/<short ID>` to the bundle, where it listens on `attach`. */
export const attachLink = (l: Layout, id: string): string => path.join(l.attachDir, short(id));

/** conmon's persist-dir `oom`: written when the OOM killer struck the container (cleared by each attempt). */
export const oomFile = (l: Layout, id: string): string => path.join(l.persistDir(id), 'oom');

/** The token of the current start attempt (the attempt file, written before anything of the attempt runs). */
export async function currentAttempt(l: Layout, id: string): Promise<string | undefined> {
  const t = (await fs.readFile(l.attemptFile(id), 'utf8').catch(() => '')).trim();
  return /^[0-9a-f]{16}$/.test(t) ? t : undefined;
}

/**
 * The current attempt's exit status file, for a watch set up now (Driver.processStateFiles is synchronous: a
 * read of a few bytes); none before any attempt.
 */
export function currentAttemptExitFile(l: Layout, id: string): string[] {
  let t = '';
  try {
    t = readFileSync(l.attemptFile(id), 'utf8').trim();
  } catch {
    return [];
  }
  return /^[0-9a-f]{16}$/.test(t) ? [attemptFiles(l, id, t).exit] : [];
}

/** True while pid runs and is a conmon (a pid from conmon's pid file has no start time recorded yet). */
async function isConmon(pid: number, start: number | undefined): Promise<boolean> {
  if (!(await isLive(pid, start))) return false;
  const comm = await fs.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
  return comm.trim() === 'conmon';
}

/** The monitor of the current attempt: the exec record's, else conmon's pid file (the record not written yet). */
export async function monitorOf(l: Layout, id: string, exec?: ExecRecord): Promise<Monitor | undefined> {
  if (exec?.shimPid !== undefined) return { pid: exec.shimPid, start: exec.shimStart, legacy: true };
  const attempt = await currentAttempt(l, id);
  if (!attempt) return undefined;
  if (exec?.attempt === attempt && exec.conmonPid !== undefined)
    return { pid: exec.conmonPid, start: exec.conmonStart, legacy: false };
  const pid = await readIntFile(attemptFiles(l, id, attempt).conmonPid);
  return pid === undefined ? undefined : { pid, start: (await procStat(pid))?.start, legacy: false };
}

async function exitedAt(file: string, code: number, oomKilled: Promise<boolean>): Promise<ProcState> {
  const stat = await fs.stat(file).catch(() => undefined);
  return { kind: 'exited', code, at: (stat?.mtime ?? new Date()).toISOString(), oomKilled: await oomKilled };
}

/** What the files and /proc say about the container's process. */
export async function probeProcess(l: Layout, id: string): Promise<ProcState> {
  const exec = await readJson<ExecRecord>(l.execRecord(id)).catch(() => undefined);
  if (exec?.shimPid !== undefined) return legacyProbe(l, id, exec);
  const attempt = await currentAttempt(l, id);
  const exitFile = attempt ? attemptFiles(l, id, attempt).exit : undefined;
  const [pid, code] = await Promise.all([readIntFile(l.pidFile(id)), exitFile ? readIntFile(exitFile) : undefined]);
  const oom = () => exists(oomFile(l, id));
  if (code !== undefined) return exitedAt(exitFile!, code, oom());
  const pidStart = exec?.pid === pid ? exec?.pidStart : undefined;
  if (pid !== undefined && (await isLive(pid, pidStart)))
    return { kind: 'running', pid, pidStart: pidStart ?? (await procStat(pid))?.start };
  const monitor = await monitorOf(l, id, exec);
  if (monitor && (await isConmon(monitor.pid, monitor.start))) return { kind: 'pending', monitor };
  const late = exitFile ? await readIntFile(exitFile) : undefined; // written between the reads above
  return late !== undefined ? exitedAt(exitFile!, late, oom()) : { kind: 'none' };
}

/**
 * A container of the previous release: `sh -c 'runc run …; echo $? > exit-code'` with `runc events` writing
 * the OOM killer's notices; its exit status in the exit-code file.
 */
async function legacyProbe(l: Layout, id: string, exec: ExecRecord): Promise<ProcState> {
  const [pid, code] = await Promise.all([readIntFile(l.pidFile(id)), readIntFile(l.exitFile(id))]);
  const oom = async () => /"type":\s*"oom"/.test(await fs.readFile(l.runcEvents(id), 'utf8').catch(() => ''));
  if (code !== undefined) return exitedAt(l.exitFile(id), code, oom());
  const pidStart = exec.pid === pid ? exec.pidStart : undefined;
  if (pid !== undefined && (await isLive(pid, pidStart)))
    return { kind: 'running', pid, pidStart: pidStart ?? (await procStat(pid))?.start };
  if (await isLive(exec.shimPid, exec.shimStart))
    return { kind: 'pending', monitor: { pid: exec.shimPid!, start: exec.shimStart, legacy: true } };
  const late = await readIntFile(l.exitFile(id));
  return late !== undefined ? exitedAt(l.exitFile(id), late, oom()) : { kind: 'none' };
}

/** Refuses (Internal, retryable) while the container's process or its conmon still runs. */
export async function requireNoProcess(l: Layout, id: string, what: string): Promise<void> {
  const st = await probeProcess(l, id);
  if (st.kind === 'running' || st.kind === 'pending') {
    throw new ContainerError(
      'Internal',
      `cannot ${what}: the process of container ${short(id)} still runs (unregister it first)`,
    );
  }
}

/** Waits while conmon is between states (starting, or writing the status after its container exited). */
export async function settle(l: Layout, id: string, timeoutMs: number, ctx?: StepContext): Promise<ProcState> {
  const until = Date.now() + timeoutMs;
  let beat = Date.now();
  for (;;) {
    const st = await probeProcess(l, id);
    if (st.kind !== 'pending' || Date.now() > until) return st;
    if (Date.now() - beat >= 1000) {
      beat = Date.now();
      ctx?.progress?.('waiting for conmon');
    }
    await sleep(POLL_MS);
  }
}

/** Waits until pid is gone; false on timeout. */
async function waitGone(
  pid: number,
  start: number | undefined,
  timeoutMs: number,
  ctx?: StepContext,
  note = 'waiting for the process to exit',
): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  let beat = Date.now();
  while (await isLive(pid, start)) {
    if (Date.now() >= until) return false;
    if (Date.now() - beat >= 1000) {
      beat = Date.now();
      ctx?.progress?.(note);
    }
    await sleep(5);
  }
  return true;
}

/**
 * Kill, wait for conmon to write the status and exit, runc delete --force, drop the exec record and the attach
 * socket's link. Idempotent; fine when nothing was started.
 */
export async function unregisterProcess(l: Layout, id: string, ctx?: StepContext): Promise<void> {
  let st = await probeProcess(l, id);
  if (st.kind === 'pending') st = await settle(l, id, 10_000, ctx);
  if (st.kind === 'running') {
    await signalSame(st.pid, st.pidStart, 'SIGKILL');
    if (!(await waitGone(st.pid, st.pidStart, 30_000, ctx))) {
      throw new ContainerError('Internal', `unregister ${short(id)}: pid ${st.pid} survived SIGKILL`);
    }
  }
  const exec = await readJson<ExecRecord>(l.execRecord(id)).catch(() => undefined);
  const mon = await monitorOf(l, id, exec);
  if (mon && (mon.legacy || (await isConmon(mon.pid, mon.start)))) {
    if (!(await waitGone(mon.pid, mon.start, 5_000, ctx, 'waiting for conmon'))) {
      // the legacy shim has its own session and process group (sh and runc); conmon is one process
      await signalSame(mon.legacy ? -mon.pid : mon.pid, mon.start, 'SIGKILL');
      await waitGone(mon.pid, mon.start, 5_000, ctx);
    }
  }
  await runcDelete(l.runcRoot, id);
  await Promise.all(
    [l.execRecord(id), l.pidFile(id), l.attemptFile(id), attachLink(l, id)].map((f) => fs.rm(f, { force: true })),
  );
}

/**
 * `signal` (the container's stop signal, default SIGTERM), SIGKILL after timeoutSeconds, wait; the exit code
 * conmon wrote, else 128+signal. (The container's process is PID 1 of its namespace: without a handler it
 * ignores SIGTERM, as under Docker.)
 */
export async function terminate(
  l: Layout,
  id: string,
  timeoutSeconds: number,
  ctx?: StepContext,
  signal = 15,
): Promise<number> {
  let st = await probeProcess(l, id);
  if (st.kind === 'pending') st = await settle(l, id, 10_000, ctx);
  if (st.kind === 'exited') return st.code;
  if (st.kind !== 'running') return UNKNOWN_EXIT;
  let sent = signal;
  await signalSame(st.pid, st.pidStart, signal);
  if (!(await waitGone(st.pid, st.pidStart, Math.max(0, timeoutSeconds) * 1000, ctx))) {
    sent = 9;
    await signalSame(st.pid, st.pidStart, 'SIGKILL');
    if (!(await waitGone(st.pid, st.pidStart, 30_000, ctx))) {
      throw new ContainerError('Internal', `stop ${short(id)}: pid ${st.pid} survived SIGKILL`);
    }
  }
  const after = await settle(l, id, 5_000, ctx);
  return after.kind === 'exited' ? after.code : 128 + sent;
}
