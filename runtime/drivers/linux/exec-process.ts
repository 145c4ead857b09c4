import { promises as fs } from 'node:fs';
import path from 'node:path';
import { replaceOrAppendEnv } from '../../../common/env';
import { ContainerError } from '../../../common/errors';
import type { StepContext } from '../../contract';
import type { ExecContext, ExecOutcome, ExecPlan } from '../../driver';
import { execCuuid, execPaths, execsDir, isExecId, type ExecPaths } from '../../exec-layout';
import { exists, readJson, sleep } from '../../fsutil';
import { conmonArgs } from './conmon';
import { runChecked } from './exec';
import { writeFileReplace } from './files';
import { short, type Layout } from '../layout';
import { classifyStartError, exitCodeOf, lastRuncError } from './runc';
import { isLive, procStat, readIntFile, signalSame } from './shim';
import { tool } from './tools';

/**
 * An exec runs under a conmon of its own (conmon.ts, `--exec`): conmon runs `runc exec`, holds the exec's pty
 * (`-t`) or stdin pipe (`-i`), writes its output to a k8s-file log (stdout and stderr apart), listens on an
 * attach socket for its stdin, takes resizes on its ctl fifo and writes its exit status to the session's
 * directory, its bundle and persist dir (exec-layout.ts). conmon daemonizes, so the exec outlives a worker
 * crash and the next attempt adopts it (its record names conmon); its status is on disk whoever waits.
 */

/** The exec record: registered while it exists. Its pid is in the pid file runc writes. */
interface ExecRecord {
  execId: string;
  /** its conmon */
  shimPid: number;
  /** /proc start time of conmon, to tell it from a reused pid */
  shimStart?: number;
  startedAt: string;
}

/** The exit code an exec reads as when it was killed by an unregister and its status was lost with its conmon. */
const KILLED = 137;

/** Docker's exit code for an exec that could not start: 127 when the command is missing, else 126. */
function startFailure(message: string): ExecOutcome {
  const err = classifyStartError(message);
  return { exitCode: err.type === 'CommandNotFound' ? exitCodeOf(err) : 126, startError: message };
}

/** The OCI process of the exec: the container's own (user, capabilities…), with its args, env, cwd and pty. */
async function writeProcess(l: Layout, id: string, plan: ExecPlan, p: ExecPaths): Promise<void> {
  const spec = await readJson<{ process: { env?: string[]; cwd?: string } & Record<string, unknown> }>(
    path.join(l.bundle(id), 'config.json'),
  );
  if (!spec) throw new ContainerError('Internal', `exec in ${short(id)}: its bundle has no config.json`);
  const size = plan.tty && plan.consoleSize ? { height: plan.consoleSize[0], width: plan.consoleSize[1] } : undefined;
  const proc = {
    ...spec.process,
    terminal: plan.tty ?? false,
    args: plan.args,
    env: replaceOrAppendEnv(spec.process.env ?? [], plan.tty ? ['TERM=xterm', ...plan.env] : plan.env),
    cwd: plan.cwd || spec.process.cwd || '/',
    ...(plan.user ? { user: plan.user } : {}),
    ...(size ? { consoleSize: size } : {}),
  };
  // 0600: it holds the environment
  await writeFileReplace(p.process, `${JSON.stringify(proc)}\n`, 0o600);
}

async function spawnExec(l: Layout, id: string, plan: ExecPlan, p: ExecPaths): Promise<ExecRecord> {
  await fs.mkdir(p.dir, { recursive: true, mode: 0o700 });
  await fs.mkdir(l.attachDir, { recursive: true, mode: 0o700 });
  await writeProcess(l, id, plan, p);
  const args = conmonArgs({
    cid: id,
    cuuid: execCuuid(plan.execId),
    bundle: p.dir,
    runcRoot: l.runcRoot,
    runcLog: p.runcLog,
    pidFile: p.pid,
    conmonPidFile: p.conmonPid,
    log: p.log,
    persistDir: p.dir,
    exitDir: p.dir,
    socketDir: l.attachDir,
    terminal: plan.tty ?? false,
    stdin: plan.stdin ?? false,
    execProcessSpec: p.process,
  });
  const env = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' };
  // conmon forks its monitor and exits: its pid file names the one that stays
  await runChecked(`exec ${short(plan.execId)} in ${short(id)}: conmon`, tool('conmon'), args, { env });
  const shimPid = await readIntFile(p.conmonPid);
  if (shimPid === undefined)
    throw new ContainerError('Internal', `exec ${short(plan.execId)} in ${short(id)}: conmon wrote no pid file`);
  const rec: ExecRecord = {
    execId: plan.execId,
    shimPid,
    shimStart: (await procStat(shimPid))?.start,
    startedAt: new Date().toISOString(),
  };
  await writeFileReplace(p.record, `${JSON.stringify(rec)}\n`, 0o600);
  return rec;
}

/** How the exec ended, from its exit status and runc's log (conmon writes no status when runc exec failed). */
async function outcome(p: ExecPaths, code: number | undefined): Promise<ExecOutcome | undefined> {
  const runcError = lastRuncError(await fs.readFile(p.runcLog, 'utf8').catch(() => ''));
  if (runcError && !(await exists(p.pid))) return startFailure(runcError);
  return code === undefined ? undefined : { exitCode: code };
}

/** Runs the exec (or adopts the one an earlier attempt started) and waits for its end. */
export async function runExec(l: Layout, id: string, plan: ExecPlan, ctx?: ExecContext): Promise<ExecOutcome> {
  if (!isExecId(plan.execId)) throw new ContainerError('InvalidParameter', `invalid exec ID ${plan.execId}`);
  const p = execPaths(l, id, plan.execId);
  let started = false;
  // (the record is not rewritten with the pid: an unregister may be dropping it; the pid file says it)
  const noteStart = async () => {
    const pid = started ? undefined : await readIntFile(p.pid);
    if (pid === undefined) return;
    started = true;
    // its start time, while it is surely the exec (an unregister kills only that process: releaseExec)
    const start = (await procStat(pid))?.start;
    if (start !== undefined) await writeFileReplace(p.pidStart, `${start}\n`, 0o600).catch(() => {});
    await ctx?.onStart?.(pid);
  };
  // An exec that ran and ended between two looks (a quick command) started all the same: its start is noted
  // before its end is reported.
  const ended = async (code: number) => {
    await noteStart();
    return (await outcome(p, code))!;
  };
  const done = await readIntFile(p.exit);
  if (done !== undefined) return ended(done); // an earlier attempt's exec ended (its report was lost)
  const rec = (await readJson<ExecRecord>(p.record)) ?? (await spawnExec(l, id, plan, p));
  let beat = Date.now();
  let poll = 2;
  for (;;) {
    if (ctx?.signal?.aborted) {
      await releaseExec(l, id, plan.execId, ctx);
      throw new ContainerError('Internal', `exec ${short(plan.execId)} in ${short(id)} cancelled: killed`);
    }
    await noteStart();
    const code = await readIntFile(p.exit);
    if (code !== undefined) return ended(code);
    if (!(await isLive(rec.shimPid, rec.shimStart))) {
      const late = await readIntFile(p.exit);
      if (late !== undefined) return ended(late);
      const failed = await outcome(p, undefined); // runc exec failed: conmon exits without a status
      if (failed) return failed;
      if (!(await exists(p.record))) return { exitCode: KILLED }; // unregistered: its conmon was killed with it
      throw new ContainerError(
        'Internal',
        `exec ${short(plan.execId)} in ${short(id)}: its conmon exited without a status`,
      );
    }
    if (Date.now() - beat >= 1000) {
      beat = Date.now();
      ctx?.progress?.(`exec ${short(plan.execId)} runs`);
    }
    await sleep(poll);
    poll = Math.min(poll * 2, 100); // quick for short commands, cheap for long ones
  }
}

/** Waits until pid is gone; false on timeout. */
async function waitGone(pid: number, start: number | undefined, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (await isLive(pid, start)) {
    if (Date.now() >= until) return false;
    await sleep(5);
  }
  return true;
}

/**
 * The exec's process as recorded: its pid and start time. Without a recorded start (never seen running, or
 * an exec from before they were kept) the pid's current process counts only if it started after the shim
 * (the exec is the shim's descendant; an older process is another that took the pid).
 */
async function execProcess(p: ExecPaths, rec: ExecRecord): Promise<{ pid: number; start: number } | undefined> {
  const [pid, recorded] = await Promise.all([readIntFile(p.pid), readIntFile(p.pidStart)]);
  if (pid === undefined) return undefined;
  const start = recorded ?? (await procStat(pid))?.start;
  if (start === undefined || (rec.shimStart !== undefined && start < rec.shimStart)) return undefined;
  return { pid, start };
}

/** Kills the exec if it still runs, lets its shim record the status, drops its record. Idempotent. */
export async function releaseExec(l: Layout, id: string, execId: string, _ctx?: StepContext): Promise<void> {
  const p = execPaths(l, id, execId);
  const rec = await readJson<ExecRecord>(p.record).catch(() => undefined);
  if (rec) {
    const proc = await execProcess(p, rec);
    if (proc && (await signalSame(proc.pid, proc.start, 'SIGKILL'))) {
      if (!(await waitGone(proc.pid, proc.start, 30_000)))
        throw new ContainerError('Internal', `exec ${short(execId)}: pid ${proc.pid} survived SIGKILL`);
    }
    if (!(await waitGone(rec.shimPid, rec.shimStart, 5_000))) {
      await signalSame(rec.shimPid, rec.shimStart, 'SIGKILL');
      await waitGone(rec.shimPid, rec.shimStart, 5_000);
    }
  }
  // conmon leaves its link in the attach dir; the socket and fifos in the session dir go with the record
  const leftovers = [p.record, p.process, p.pid, p.pidStart, p.attachLink, p.attach, p.ctl, path.join(p.dir, 'winsz')];
  await Promise.all(leftovers.map((f) => fs.rm(f, { force: true })));
}

/** Every exec still registered on the container, killed and dropped (part of unregistering its process). */
export async function releaseExecs(l: Layout, id: string, ctx?: StepContext): Promise<void> {
  const names = await fs.readdir(execsDir(l, id)).catch(() => [] as string[]);
  for (const execId of names.filter(isExecId)) {
    if (await exists(execPaths(l, id, execId).record)) await releaseExec(l, id, execId, ctx);
  }
}

/** The registered execs of a container, for heldResources. */
export async function registeredExecs(
  l: Layout,
  id: string,
): Promise<Array<{ execId: string; pid: number | undefined }>> {
  const names = await fs.readdir(execsDir(l, id)).catch(() => [] as string[]);
  const found = await Promise.all(
    names.filter(isExecId).map(async (execId) => {
      const p = execPaths(l, id, execId);
      const rec = await readJson<ExecRecord>(p.record).catch(() => undefined);
      return rec ? { execId, pid: await readIntFile(p.pid) } : undefined;
    }),
  );
  return found.filter((e) => e !== undefined);
}
