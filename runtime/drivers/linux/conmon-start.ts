import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError } from '../../../common/errors';
import type { StepContext } from '../../contract';
import { exists, readJson, sleep } from '../../fsutil';
import { FileWaker } from '../../watch';
import { short, type Layout } from '../layout';
import { conmonArgs } from './conmon';
import { run, spawnDetached, toolOutput } from './exec';
import { writeFileReplace } from './files';
import { attachLink, attemptFiles, currentAttempt, oomFile, POLL_MS, probeProcess, type Monitor } from './process';
import { classifyStartError, lastRuncError, runcDelete } from './runc';
import { isLive, procStat, readIntFile, signalSame, type ExecRecord } from './shim';
import { tool } from './tools';

/**
 * The container's process under conmon (conmon.ts), one process per container: conmon daemonizes, runs
 * `runc create` and holds the container's stdio; once runc has written the pid file the driver runs
 * `runc start`. conmon writes the k8s-file log, the exit status (its exit dir, one per attempt: process.ts
 * attemptFiles) and `oom`. A worker SIGKILLed at any point leaves conmon and the container running; the next
 * attempt adopts them from the files (a created container not yet started is started then).
 */

/** The bundle's stdio settings (bundle.ts writes them from the record's Config; absent: none). */
export interface StdioSettings {
  terminal: boolean;
  stdin: boolean;
  leaveStdinOpen: boolean;
}
export const stdioFile = (l: Layout, id: string): string => path.join(l.bundle(id), 'stdio.json');

/**
 * The exec record: replaced atomically (rename) but not fsynced. It describes processes, which a worker crash
 * leaves running (the page cache survives it) and a machine crash ends (a lost record then describes nothing).
 */
function writeExecRecord(file: string, rec: ExecRecord): Promise<void> {
  return writeFileReplace(file, `${JSON.stringify(rec)}\n`, 0o600);
}

/**
 * Starts the container's process under conmon and resolves with its pid once it runs, or adopts the one an
 * earlier attempt started (running: its pid, started if runc only created it; still starting: waits for it).
 */
export async function startProcess(l: Layout, id: string, ctx?: StepContext): Promise<{ pid: number }> {
  const st = await probeProcess(l, id);
  if (st.kind === 'running') {
    await runcStart(l, id); // an earlier attempt's process: its worker may have died between create and start
    return recordPid(l, id, st.pid, st.pidStart);
  }
  if (st.kind === 'pending') {
    const exec = await readJson<ExecRecord>(l.execRecord(id));
    return waitForStart(l, id, st.monitor, undefined, Promise.resolve(exec), ctx);
  }
  if (!(await exists(path.join(l.bundle(id), 'config.json')))) {
    throw new ContainerError('Internal', `start ${short(id)}: the bundle has no config.json (writeSpec has not run)`);
  }
  const attempt = randomBytes(8).toString('hex');
  await fs.writeFile(l.attemptFile(id), `${attempt}\n`); // first: an older attempt's conmon is no longer current
  await dropEarlierAttempts(l, id, attempt);
  const f = attemptFiles(l, id, attempt);
  const stale = [l.pidFile(id), l.exitFile(id), l.runcLog(id), l.runcEvents(id), oomFile(l, id)];
  const [, , logSize, stdio] = await Promise.all([
    runcDelete(l.runcRoot, id),
    Promise.all(stale.map((file) => fs.rm(file, { force: true }))),
    endLastLine(l.log(id)),
    readJson<StdioSettings>(stdioFile(l, id)).catch(() => undefined),
    fs.mkdir(f.dir, { recursive: true, mode: 0o700 }),
    fs.mkdir(l.attachDir, { recursive: true, mode: 0o700 }),
    fs.rm(attachLink(l, id), { force: true }),
  ]);
  const args = conmonArgs({
    cid: id,
    cuuid: short(id),
    bundle: l.bundle(id),
    runcRoot: l.runcRoot,
    runcLog: l.runcLog(id),
    pidFile: l.pidFile(id),
    conmonPidFile: f.conmonPid,
    log: l.log(id),
    persistDir: l.persistDir(id),
    exitDir: f.dir,
    socketDir: l.attachDir,
    terminal: stdio?.terminal,
    stdin: stdio?.stdin,
    leaveStdinOpen: stdio?.leaveStdinOpen,
  });
  // A minimal environment: the worker's own variables have no business in conmon or runc.
  const parent = await spawnDetached(tool('conmon'), args, f.conmonLog, {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
  });
  const conmonPid = await daemonPid(id, parent, f.conmonPid, f.conmonLog);
  const rec: ExecRecord = {
    attempt,
    conmonPid,
    conmonStart: (await procStat(conmonPid))?.start,
    startedAt: new Date().toISOString(),
  };
  // recorded while runc creates the container: the wait does not need the record, only its completion
  const recorded = writeExecRecord(l.execRecord(id), rec).then(() => rec);
  recorded.catch(() => {}); // awaited (and its error thrown) by the wait; no unhandled rejection meanwhile
  return waitForStart(l, id, { pid: conmonPid, start: rec.conmonStart, legacy: false }, logSize, recorded, ctx);
}

/**
 * conmon's parent writes the daemon's pid to the pid file and exits at once; the daemon goes on (runc create).
 */
async function daemonPid(id: string, parent: number, pidFile: string, log: string): Promise<number> {
  for (const until = Date.now() + 30_000; Date.now() < until; await sleep(POLL_MS)) {
    const pid = await readIntFile(pidFile);
    if (pid !== undefined) return pid;
    if (!(await isLive(parent))) {
      const late = await readIntFile(pidFile);
      if (late !== undefined) return late;
      const said = (await fs.readFile(log, 'utf8').catch(() => '')).trim();
      throw new ContainerError(
        'Internal',
        `start ${short(id)}: conmon exited without starting${said ? `: ${said}` : ''}`,
      );
    }
  }
  throw new ContainerError('Internal', `start ${short(id)}: conmon wrote no pid file within 30 s`);
}

/**
 * Before a new attempt: the conmon of an earlier one that nobody recorded (its worker died right after
 * spawning it) is killed, so that it cannot run `runc create` beside this attempt's; then its files go.
 */
async function dropEarlierAttempts(l: Layout, id: string, attempt: string): Promise<void> {
  const names = await fs.readdir(l.persistDir(id)).catch(() => [] as string[]);
  for (const name of names.filter((n) => /^[0-9a-f]{16}$/.test(n) && n !== attempt)) {
    const f = attemptFiles(l, id, name);
    const pid = await readIntFile(f.conmonPid);
    const comm = pid === undefined ? '' : await fs.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
    if (pid !== undefined && comm.trim() === 'conmon') await signalSame(pid, undefined, 'SIGKILL');
    await fs.rm(f.dir, { recursive: true, force: true });
  }
}

/**
 * Makes the log end with a line end: a container of the previous release wrote raw output to it, and conmon's
 * entries that follow must begin lines of their own. Returns the log's size (0: no log yet).
 */
async function endLastLine(log: string): Promise<number | undefined> {
  const fh = await fs.open(log, 'r+').catch(() => undefined);
  if (!fh) return 0;
  try {
    const size = (await fh.stat()).size;
    if (size === 0) return 0;
    const last = Buffer.alloc(1);
    await fh.read(last, 0, 1, size - 1);
    if (last[0] === 0x0a) return size;
    await fh.write('\n', size);
    return size + 1;
  } finally {
    await fh.close();
  }
}

/** `runc start`: a container runc only created begins; one that runs or has stopped already is fine. */
async function runcStart(l: Layout, id: string): Promise<void> {
  const r = await run(tool('runc'), ['--root', l.runcRoot, 'start', id]);
  if (r.code === 0 || /already running|has stopped|in the (running|stopped) state/i.test(r.stderr)) return;
  throw new ContainerError('Internal', `runc start ${short(id)}: ${toolOutput(r)}`);
}

/**
 * Waits until runc has written the pid file (the process exists: runc start then runs it), or conmon has exited
 * without one (runc create failed: its error, classified as Docker does). Woken by inotify when the pid file
 * appears; a slower poll also notices a conmon that exited.
 */
async function waitForStart(
  l: Layout,
  id: string,
  mon: Monitor,
  logSize: number | undefined,
  recorded: Promise<ExecRecord | undefined>,
  ctx?: StepContext,
): Promise<{ pid: number }> {
  const began = Date.now();
  let beat = began;
  const started = async (pid: number) => {
    await runcStart(l, id);
    return recordPid(l, id, pid, (await procStat(pid))?.start, await recorded);
  };
  const waker = new FileWaker(new Map([[l.pidFile(id), 'status']] as const));
  try {
    for (;;) {
      const pid = await readIntFile(l.pidFile(id));
      if (pid !== undefined) return await started(pid);
      const now = Date.now();
      if (!waker.watching || now - beat >= WATCHED_POLL_MS) {
        if (!(await isLive(mon.pid, mon.start))) {
          const lastPid = await readIntFile(l.pidFile(id));
          if (lastPid !== undefined) return await started(lastPid);
          await recorded;
          throw await startError(l, id, logSize);
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
      await waker.wait(waker.watching ? WATCHED_POLL_MS : POLL_MS, STATUS);
      waker.take();
    }
  } finally {
    waker.close();
  }
}

/** How often a watched wait looks anyway (conmon's liveness; an event inotify may have dropped). */
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
  if (!exec || exec.pid !== pid) {
    const fresh = async () => ({ attempt: (await currentAttempt(l, id)) ?? '', startedAt: new Date().toISOString() });
    await writeExecRecord(file, { ...(exec ?? (await fresh())), pid, pidStart });
  }
  return { pid };
}

/** The start error runc logged; the container log loses the lines this failed attempt wrote to it. */
async function startError(l: Layout, id: string, logSize: number | undefined): Promise<ContainerError> {
  const logged = lastRuncError(await fs.readFile(l.runcLog(id), 'utf8').catch(() => ''));
  if (logSize !== undefined) await fs.truncate(l.log(id), logSize).catch(() => {});
  return classifyStartError(logged || `conmon exited before the container started (runc create failed silently)`);
}
