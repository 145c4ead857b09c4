import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { ContainerError, Messages } from '../common/errors';
import type { ContainerRecord } from '../common/types';
import type { ExecInput, ExecOutputInput, ExecOutputResult, ExecResult } from '../common/verbs-api';
import type { ContainerRuntime, StepContext } from './contract';
import { execPaths, execsDir, isExecId } from './exec-layout';
import { exists } from './fsutil';
import type { HostParts } from './host-parts';
import { LOG_PAGE_MAX } from './logs';
import { readStreamsPage } from './stdio/k8s-page';
import type { StateStore } from './store';
import type { ExecPlan } from './driver';
import type { ImageStore } from '../images/store';
import { processUser } from './steps/process-user';

/**
 * docker exec (moby daemon/exec.go), non-interactive: create registers the exec on the container (its ID in
 * ExecIDs, Docker's execCommands), run runs it through the driver and unregisters it, and its output is read
 * in bounded pages from files, never as one payload. Unregistering is also part of the container's cleanup:
 * the process step's release kills what is still registered (runtime/steps/process.ts).
 */

/** What exec works with: the records and driver, and the refreshed lookup. */
export type ExecDeps = HostParts & Pick<ContainerRuntime, 'lookup'> & { readonly images: ImageStore };

/** How long the output of a finished exec is kept for its client (then the next exec prunes it). */
const OUTPUT_KEPT_MS = 15 * 60_000;

/** Docker's 409s for a container an exec cannot run in. */
function checkExecutable(rec: ContainerRecord): void {
  if (!rec.State.Running) throw new ContainerError('ContainerNotRunning', Messages.notRunning(rec.Id));
  if (rec.State.Paused) throw new ContainerError('Conflict', Messages.execPaused(rec.Id));
  if (rec.State.Restarting) throw new ContainerError('Conflict', Messages.restarting(rec.Id));
}

function checkExecId(execId: string): void {
  if (!isExecId(execId))
    throw new ContainerError('InvalidParameter', `invalid exec ID "${execId}": 64 hex digits expected`);
}

/** ContainerExecCreate: checks, then the exec's ID in ExecIDs; `exec_create` once. Returns the IDs. */
export async function createExec(rt: ExecDeps, input: ExecInput): Promise<{ containerId: string; execId: string }> {
  const execId = input.execId ?? randomBytes(32).toString('hex');
  checkExecId(execId);
  if (input.cmd.length === 0) throw new ContainerError('InvalidParameter', 'No exec command specified');
  if (input.workingDir && !input.workingDir.startsWith('/')) {
    throw new ContainerError(
      'InvalidParameter',
      `the working directory '${input.workingDir}' is invalid, it needs to be an absolute path`,
    );
  }
  const { Id } = await rt.lookup(input.container); // refreshed: a process that has exited reads not running
  await rt.store.update(Id, (rec) => {
    checkExecutable(rec);
    if (!rec.ExecIDs?.includes(execId)) rec.ExecIDs = [...(rec.ExecIDs ?? []), execId];
  });
  await rt.records.emitEventOnce(Id, execId, 'exec_create', { execID: execId, command: input.cmd.join(' ') });
  await pruneFinishedExecs(rt, Id);
  return { containerId: Id, execId };
}

/**
 * ContainerExecStart, to the end: runs the registered exec (the container must still run, not paused), then
 * unregisters it whatever happened; `exec_start` once it runs, `exec_die` with its exit code. A retry after
 * the exec ended reads its recorded exit status instead of running it again.
 */
export async function runExec(
  rt: ExecDeps,
  containerId: string,
  execId: string,
  input: ExecInput,
  ctx?: StepContext,
): Promise<ExecResult> {
  checkExecId(execId);
  const paths = execPaths(rt.driver.layout, containerId, execId);
  const rec = await rt.lookup(containerId);
  if (!rec.ExecIDs?.includes(execId)) {
    // Unregistered already: it ran and ended (its report lost), or the container was stopped first.
    const code = await readExit(paths.exit);
    if (code !== undefined) return { containerId, execId, exitCode: code };
    throw new ContainerError('ContainerNotRunning', Messages.notRunning(containerId));
  }
  try {
    checkExecutable(rec);
    const user = await execUser(rt, rec, input);
    if ('error' in user) return { containerId, execId, exitCode: 126, error: user.error };
    const outcome = await rt.driver.runExec(
      containerId,
      {
        execId,
        args: input.cmd,
        cwd: input.workingDir ?? '',
        tty: input.tty ?? false,
        stdin: input.stdin ?? false,
        ...(input.consoleSize ? { consoleSize: input.consoleSize } : {}),
        ...user.plan,
      },
      {
        ...ctx,
        onStart: (pid) =>
          rt.records.emitEventOnce(containerId, execId, 'exec_start', { execID: execId, pid: String(pid) }),
      },
    );
    await rt.records.emitEventOnce(containerId, `${execId}:die`, 'exec_die', {
      execID: execId,
      exitCode: String(outcome.exitCode),
    });
    return {
      containerId,
      execId,
      exitCode: outcome.exitCode,
      ...(outcome.startError ? { error: `OCI runtime exec failed: ${outcome.startError}: unknown` } : {}),
    };
  } finally {
    await rt.driver.releaseExec(containerId, execId, ctx);
    await unregisterExecIds(rt.store, containerId, [execId]);
  }
}

/**
 * exec -u (Docker's execSetPlatformOpt → getUser): the user and its groups (and the container's --group-add) in
 * the container's files, HOME from its passwd entry unless the exec or the container sets one. A user that
 * cannot be found is Docker's message as the exec's failure (exit 126): the process never starts.
 */
async function execUser(
  rt: ExecDeps,
  rec: ContainerRecord,
  input: ExecInput,
): Promise<{ plan: Pick<ExecPlan, 'env' | 'user'> } | { error: string }> {
  const env = input.env ?? [];
  if (!input.user) return { plan: { env } };
  try {
    const u = await processUser({ driver: rt.driver, images: rt.images }, rec, input.user);
    const home = [...rec.Config.Env, ...env].some((e) => e.startsWith('HOME=')) ? [] : [`HOME=${u.home}`];
    return { plan: { env: [...env, ...home], user: { uid: u.uid, gid: u.gid, additionalGids: u.additionalGids } } };
  } catch (err) {
    if (err instanceof ContainerError && err.type === 'StartFailed') return { error: err.message };
    throw err;
  }
}

/** Drops exec IDs from the record (all of them without `only`); fine when the record is gone. */
export async function unregisterExecIds(store: StateStore, id: string, only?: string[]): Promise<void> {
  const rec = await store.read(id);
  if (!rec?.ExecIDs?.length) return;
  await store
    .update(id, (r) => {
      const kept = only ? (r.ExecIDs ?? []).filter((e) => !only.includes(e)) : [];
      if (kept.length > 0) r.ExecIDs = kept;
      else delete r.ExecIDs;
    })
    .catch((err: unknown) => {
      if (!(err instanceof ContainerError && err.type === 'NoSuchContainer')) throw err;
    });
}

/**
 * One page of an exec's stdout and stderr, from its k8s-file log: both cursors are the one offset in that
 * log (the page's `next`, the same in both halves). Nothing is served before the exec's process runs.
 */
export async function readExecOutput(rt: ExecDeps, input: ExecOutputInput): Promise<ExecOutputResult> {
  checkExecId(input.execId);
  await rt.store.get(input.container);
  const p = execPaths(rt.driver.layout, input.container, input.execId);
  const cursor = Math.max(input.stdout ?? 0, input.stderr ?? 0);
  if ((await exists(p.record)) && !(await exists(p.pid))) {
    const empty = { text: '', next: cursor, more: false };
    return { stdout: empty, stderr: empty };
  }
  const page = await readStreamsPage(p.log, cursor, LOG_PAGE_MAX);
  const half = (text: string) => ({ text, next: page.next, more: page.more });
  return { stdout: half(page.stdout), stderr: half(page.stderr) };
}

/** Drops the files of execs no longer registered that ended a while ago (their clients had their time). */
async function pruneFinishedExecs(rt: ExecDeps, id: string): Promise<void> {
  const dir = execsDir(rt.driver.layout, id);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const now = Date.now();
  for (const name of names.filter(isExecId)) {
    const p = execPaths(rt.driver.layout, id, name);
    if (await exists(p.record)) continue;
    const ended = await fs.stat(p.dir).catch(() => undefined);
    if (ended && now - ended.mtimeMs > OUTPUT_KEPT_MS) await fs.rm(p.dir, { recursive: true, force: true });
  }
}

async function readExit(file: string): Promise<number | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
}
