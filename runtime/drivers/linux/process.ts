import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError } from '../../../common/errors';
import type { StepContext } from '../../contract';
import { FileWaker } from '../../watch';
import { exists, readJson, sleep } from '../../fsutil';
import { writeFileReplace } from './files';
import { short, type Layout } from '../layout';
import { classifyStartError, lastRuncError, runcDelete } from './runc';
import { isLive, procStat, readIntFile, signalSame, spawnShim, type ExecRecord, type ShimFiles } from './shim';

/**
 * The container's process, from the files the shim and runc write (shim.ts) and /proc: start it (or adopt the
 * one an earlier attempt started), tell whether it runs, stop it, and unregister it.
 */

/** Poll interval while waiting on the shim / a process: short, the files appear within milliseconds. */
const POLL_MS = 2;
/** Exit code recorded when a process is gone and nobody recorded its status (its shim was killed too). */
export const UNKNOWN_EXIT = 255;

export type ProcState =
  | { kind: 'running'; pid: number; pidStart: number | undefined }
  | { kind: 'pending'; shimPid: number } // the shim runs, the container process does not (starting, or just exited)
  | { kind: 'exited'; code: number; at: string; oomKilled: boolean }
  | { kind: 'none' };

/**
 * The exec record: replaced atomically (rename) but not fsynced. It describes processes, which a worker crash
 * leaves running (the page cache survives it) and a machine crash ends (a lost record then describes nothing).
 */
function writeExecRecord(file: string, rec: ExecRecord): Promise<void> {
  return writeFileReplace(file, `${JSON.stringify(rec)}\n`, 0o600);
}

function shimFiles(l: Layout, id: string): ShimFiles {
  return {
    runcRoot: l.runcRoot,
    bundle: l.bundle(id),
    pidFile: l.pidFile(id),
    exitFile: l.exitFile(id),
    runcLog: l.runcLog(id),
    log: l.log(id),
    attemptFile: l.attemptFile(id),
    eventsFile: l.runcEvents(id),
  };
}

/** What the files and /proc say about the container's process. */
export async function probeProcess(l: Layout, id: string): Promise<ProcState> {
  const [exec, pid, code] = await Promise.all([
    readJson<ExecRecord>(l.execRecord(id)).catch(() => undefined),
    readIntFile(l.pidFile(id)),
    readIntFile(l.exitFile(id)),
  ]);
  const exited = async (c: number): Promise<ProcState> => {
    const [stat, events] = await Promise.all([
      fs.stat(l.exitFile(id)).catch(() => undefined),
      fs.readFile(l.runcEvents(id), 'utf8').catch(() => ''),
    ]);
    return {
      kind: 'exited',
      code: c,
      at: (stat?.mtime ?? new Date()).toISOString(),
      oomKilled: /"type":\s*"oom"/.test(events),
    };
  };
  if (code !== undefined) return exited(code);
  const pidStart = exec?.pid === pid ? exec?.pidStart : undefined;
  if (pid !== undefined && (await isLive(pid, pidStart)))
    return { kind: 'running', pid, pidStart: pidStart ?? (await procStat(pid))?.start };
  if (exec?.shimPid !== undefined && (await isLive(exec.shimPid, exec.shimStart)))
    return { kind: 'pending', shimPid: exec.shimPid };
  const late = await readIntFile(l.exitFile(id)); // written between the reads above
  return late !== undefined ? exited(late) : { kind: 'none' };
}

/** Refuses (Internal, retryable) while the container's process or its shim still runs. */
export async function requireNoProcess(l: Layout, id: string, what: string): Promise<void> {
  const st = await probeProcess(l, id);
  if (st.kind === 'running' || st.kind === 'pending') {
    throw new ContainerError(
      'Internal',
      `cannot ${what}: the process of container ${short(id)} still runs (unregister it first)`,
    );
  }
}

/**
 * Starts the container's process under a detached shim and resolves with its pid once it runs, or adopts the
 * one an earlier attempt started (running: its pid; still starting: waits for it). A runc container of an
 * earlier attempt that is stopped or created-but-dead is deleted and the process started anew.
 */
export async function startProcess(l: Layout, id: string, ctx?: StepContext): Promise<{ pid: number }> {
  const st = await probeProcess(l, id);
  if (st.kind === 'running') return recordPid(l, id, st.pid, st.pidStart); // an earlier attempt's process: adopt it
  if (st.kind === 'pending') {
    const exec = await readJson<ExecRecord>(l.execRecord(id));
    return waitForStart(l, id, { pid: st.shimPid, start: exec?.shimStart }, undefined, Promise.resolve(exec), ctx);
  }
  // Nothing runs: clear what an earlier attempt left (a stopped or created-but-dead runc container, its files).
  if (!(await exists(path.join(l.bundle(id), 'config.json')))) {
    throw new ContainerError('Internal', `start ${short(id)}: the bundle has no config.json (writeSpec has not run)`);
  }
  const attempt = randomBytes(8).toString('hex');
  await fs.writeFile(l.attemptFile(id), `${attempt}\n`); // first: an older attempt's shim can no longer report
  const [, , logStat] = await Promise.all([
    runcDelete(l.runcRoot, id),
    Promise.all([l.pidFile(id), l.exitFile(id), l.runcLog(id), l.runcEvents(id)].map((f) => fs.rm(f, { force: true }))),
    fs.stat(l.log(id)).catch(() => undefined),
  ]);
  const shimPid = await spawnShim(id, attempt, shimFiles(l, id));
  const shimStart = (await procStat(shimPid))?.start;
  // recorded while runc starts the container: the wait does not need the record, only its completion
  const rec: ExecRecord = { attempt, shimPid, shimStart, startedAt: new Date().toISOString() };
  const recorded = writeExecRecord(l.execRecord(id), rec).then(() => rec);
  recorded.catch(() => {}); // awaited (and its error thrown) by the wait; no unhandled rejection meanwhile
  return waitForStart(l, id, { pid: shimPid, start: shimStart }, logStat?.size ?? 0, recorded, ctx);
}

/**
 * Waits until runc has written the pid file (the process runs) or the shim has written an exit status
 * without one (the start failed: runc's error, classified as Docker does). Woken by inotify when either file
 * appears in the container's directory; a slower poll also notices a shim that died without a word.
 */
async function waitForStart(
  l: Layout,
  id: string,
  shim: { pid: number; start: number | undefined },
  logSize: number | undefined,
  recorded: Promise<ExecRecord | undefined>,
  ctx?: StepContext,
): Promise<{ pid: number }> {
  const began = Date.now();
  let beat = began;
  const started = async (pid: number) => recordPid(l, id, pid, (await procStat(pid))?.start, await recorded);
  const failed = async (code: number) => {
    await recorded;
    return startError(l, id, code, logSize);
  };
  const waker = new FileWaker(
    new Map([
      [l.pidFile(id), 'status'],
      [l.exitFile(id), 'status'],
    ] as const),
  );
  try {
    for (;;) {
      const [pid, code] = await Promise.all([readIntFile(l.pidFile(id)), readIntFile(l.exitFile(id))]);
      if (pid !== undefined) return await started(pid);
      if (code !== undefined) throw await failed(code);
      const now = Date.now();
      if (!waker.watching || now - beat >= WATCHED_POLL_MS) {
        if (!(await isLive(shim.pid, shim.start))) {
          const lastPid = await readIntFile(l.pidFile(id));
          if (lastPid !== undefined) return await started(lastPid);
          const lastCode = await readIntFile(l.exitFile(id));
          if (lastCode !== undefined) throw await failed(lastCode);
          await recorded;
          throw new ContainerError(
            'Internal',
            `start ${short(id)}: the shim exited without starting the container or reporting a status`,
          );
        }
      }
      if (now - began > 60_000) {
        await recorded;
        throw new ContainerError('Internal', `start ${short(id)}: the container process did not start within 60 s`);
      }
      if (now - beat >= 1000) {
        beat = now;
        ctx?.progress?.('waiting for the container process to start');
      }
      // woken by the pid or exit file, else after WATCHED_POLL_MS (the shim's liveness; an event inotify may
      // have dropped), or a plain POLL_MS poll without a watch
      await waker.wait(waker.watching ? WATCHED_POLL_MS : POLL_MS, STATUS);
      waker.take();
    }
  } finally {
    waker.close();
  }
}

/** How often a watched wait looks anyway (the shim's liveness; an event inotify may have dropped). */
const WATCHED_POLL_MS = 25;
const STATUS: ReadonlySet<'status'> = new Set(['status']);

/** The exec record with the container's pid (unless it has it already); `known` spares a read of it. */
async function recordPid(
  l: Layout,
  id: string,
  pid: number,
  pidStart: number | undefined,
  known?: ExecRecord,
): Promise<{ pid: number }> {
  const file = l.execRecord(id);
  const exec = known ?? (await readJson<ExecRecord>(file));
  if (!exec || exec.pid !== pid)
    await writeExecRecord(file, { ...(exec ?? { attempt: '', startedAt: new Date().toISOString() }), pid, pidStart });
  return { pid };
}

/** The start error runc logged; the container log loses the lines this failed attempt wrote to it. */
async function startError(l: Layout, id: string, code: number, logSize: number | undefined): Promise<ContainerError> {
  const logged = lastRuncError(await fs.readFile(l.runcLog(id), 'utf8').catch(() => ''));
  if (logSize !== undefined) await fs.truncate(l.log(id), logSize).catch(() => {});
  return classifyStartError(logged || `runc exited with status ${code} before starting the container`);
}

/** Waits while the shim is between states (starting, or cleaning up after its container). */
async function settle(l: Layout, id: string, timeoutMs: number, ctx?: StepContext): Promise<ProcState> {
  const until = Date.now() + timeoutMs;
  let beat = Date.now();
  for (;;) {
    const st = await probeProcess(l, id);
    if (st.kind !== 'pending' || Date.now() > until) return st;
    if (Date.now() - beat >= 1000) {
      beat = Date.now();
      ctx?.progress?.('waiting for the shim');
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

/** Kill, wait, runc delete --force, drop the exec record. Idempotent; fine when nothing was started. */
export async function unregisterProcess(l: Layout, id: string, ctx?: StepContext): Promise<void> {
  let st = await probeProcess(l, id);
  if (st.kind === 'pending') st = await settle(l, id, 10_000, ctx);
  if (st.kind === 'running') {
    await signalSame(st.pid, st.pidStart, 'SIGKILL');
    if (!(await waitGone(st.pid, st.pidStart, 30_000, ctx))) {
      throw new ContainerError('Internal', `unregister ${short(id)}: pid ${st.pid} survived SIGKILL`);
    }
  }
  // Let the shim finish: runc run deletes its container and cgroup, then the status is written.
  const exec = await readJson<ExecRecord>(l.execRecord(id)).catch(() => undefined);
  if (
    exec?.shimPid !== undefined &&
    !(await waitGone(exec.shimPid, exec.shimStart, 5_000, ctx, 'waiting for the shim'))
  ) {
    await signalSame(-exec.shimPid, exec.shimStart, 'SIGKILL'); // its own session and process group: sh and runc
    await waitGone(exec.shimPid, exec.shimStart, 5_000, ctx);
  }
  await runcDelete(l.runcRoot, id);
  await Promise.all([l.execRecord(id), l.pidFile(id), l.attemptFile(id)].map((f) => fs.rm(f, { force: true })));
}

/**
 * `signal` (the container's stop signal, default SIGTERM), SIGKILL after timeoutSeconds, wait; the exit code
 * from the shim's exit file, else 128+signal. (The container's process is PID 1 of its namespace: without a
 * handler it ignores SIGTERM, as under Docker.)
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
