import { ContainerError } from '../common/errors';
import { RELEASE_ORDER, releasedFirst } from '../common/steps';
import { parseSignal } from '../common/signals';
import { releasedNetwork, type ContainerRecord } from '../common/types';
import { CLAIM_LOCK } from './claim';
import type { ContainerRuntime, GcReport, StepContext, StopResult } from './contract';
import type { HostParts } from './host-parts';
import { resumeIfPaused } from './pause';
import { sweepRemovedLogs } from './removed-logs';
import { isFullId } from '../common/names';

/**
 * Everything that ends what a container holds outside the start saga: stop, rm, gc. Each releases through
 * the table's releases (common/steps.ts RELEASE_ORDER: the process's first, then the others at once, as the
 * saga compensates),
 * tries every one although an earlier one failed (teardown collects errors, it never stops at the first),
 * and records what it could not release so gc can finish it.
 */

/** What teardown works with: the records and driver, the refreshed list, and the releases as the runtime runs them. */
export type TeardownDeps = HostParts & Pick<ContainerRuntime, 'list' | 'release'>;

/** Held around a teardown, so two of one container never interleave their releases. */
export const TEARDOWN_LOCK = '.teardown';

function leftoverError(id: string, leftovers: string[]): ContainerError {
  return new ContainerError(
    'CompensationIncomplete',
    `could not release every resource of container ${id}: ${leftovers.join('; ')}`,
  );
}

/**
 * Every release: the process's first, then the others at once (common/steps.ts releasedFirst: once the
 * process is gone none needs another), as the saga compensates. Returns what could not be released,
 * in teardown order.
 */
export async function releaseAll(rt: TeardownDeps, id: string, ctx?: StepContext): Promise<string[]> {
  const release = (name: (typeof RELEASE_ORDER)[number]) =>
    rt.release(name, id, ctx).then(
      () => undefined,
      (err: unknown) => `${name}: ${(err as Error).message}`,
    );
  const run = async () => {
    const first = await Promise.all(RELEASE_ORDER.filter(releasedFirst).map(release));
    const rest = await Promise.all(RELEASE_ORDER.filter((n) => !releasedFirst(n)).map(release));
    return [...first, ...rest].filter((l): l is string => l !== undefined);
  };
  // One teardown at a time per container (stop and the monitor's Cleanup may meet); an orphan has no
  // directory to lock in (gc holds the claim lock around it).
  return (await rt.store.read(id)) ? rt.store.withLock(id, run, TEARDOWN_LOCK) : run();
}

/** The container's stop signal (its image's or its create's Config.StopSignal), else SIGTERM. */
function stopSignalOf(rec: ContainerRecord): number {
  return rec.Config.StopSignal ? parseSignal(rec.Config.StopSignal) : 15;
}

/**
 * docker stop: the stop signal (SIGTERM unless the config says), SIGKILL after the timeout, then every release;
 * `die` + `stop` when it ran.
 */
export async function stop(
  rt: TeardownDeps,
  id: string,
  timeoutSeconds: number,
  ctx?: StepContext,
): Promise<StopResult> {
  await rt.records.markManuallyStopped(id);
  const rec = await rt.store.get(id);
  const wasRunning = rec.State.Running;
  if (wasRunning) await resumeIfPaused(rt, id); // a frozen process would not act on SIGTERM
  const exitCode = wasRunning
    ? await rt.driver.terminate(id, timeoutSeconds, ctx, stopSignalOf(rec))
    : rec.State.ExitCode;
  const leftovers = await releaseAll(rt, id, ctx);
  await rt.store.update(id, (r) => {
    if (wasRunning) {
      r.State = {
        ...r.State,
        Status: 'exited',
        Running: false,
        Pid: 0,
        ExitCode: exitCode,
        FinishedAt: new Date().toISOString(),
      };
    }
    r.NetworkSettings = releasedNetwork(r.NetworkSettings);
    if (leftovers.length > 0) r.Leftovers = leftovers;
    else delete r.Leftovers;
  });
  if (wasRunning) {
    await rt.records.emitDie(rec, exitCode);
    await rt.records.emitEvent(id, 'stop');
  }
  if (leftovers.length > 0) throw leftoverError(id, leftovers);
  return { exitCode, wasRunning };
}

/** docker rm [-f]: refuses a running container unless forced (409); releases everything, deletes the record. */
export async function remove(rt: TeardownDeps, id: string, force: boolean, ctx?: StepContext): Promise<void> {
  const rec = await rt.store.get(id);
  if (rec.State.Running && !force) {
    throw new ContainerError(
      'Conflict',
      `You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`,
    );
  }
  await rt.store.update(id, (r) => {
    r.State.RemovalInProgress = true;
  });
  if (rec.State.Running) {
    await resumeIfPaused(rt, id);
    const exitCode = await rt.driver.terminate(id, 0, ctx);
    await rt.records.emitDie(rec, exitCode);
  }
  const leftovers = await releaseAll(rt, id, ctx);
  if (leftovers.length > 0) {
    await rt.store.update(id, (r) => {
      r.State = { ...r.State, Running: false, Pid: 0, Status: 'dead', Dead: true, RemovalInProgress: false };
      r.Leftovers = leftovers;
    });
    throw leftoverError(id, leftovers);
  }
  await rt.driver.removeContainerFiles(id);
  await rt.records.emitEvent(id, 'destroy');
  await rt.store.delete(id);
}

/**
 * Docker's restore at boot, plus a sweep: releases the leftovers recorded on containers and every held
 * resource whose container no longer exists or is neither running nor being started (a start saga owns
 * what it holds: its compensations release it). `isStarting` says whether a recorded claim is still live.
 */
export async function gc(
  rt: TeardownDeps,
  isStarting: (rec: ContainerRecord) => Promise<boolean>,
  ctx?: StepContext,
): Promise<GcReport> {
  const report: GcReport = { released: [], failed: [] };
  const records = await rt.list(); // refreshed: a Running record whose process is gone reads exited
  const held = await rt.driver.heldResources();
  const ids = new Set([
    ...records.filter((r) => r.Leftovers?.length).map((r) => r.Id),
    ...held.map((h) => h.containerId),
  ]);
  for (const id of ids) if (!isFullId(id)) ids.delete(id);
  for (const id of ids) {
    // Under the claim lock, on a fresh read: see CLAIM_LOCK.
    await rt.store.withLock(
      id,
      async () => {
        const rec = await rt.store.read(id);
        if (rec?.State.Running) return;
        if (rec && (await isStarting(rec))) return;
        const what = held.filter((h) => h.containerId === id).map((h) => `${h.kind} ${h.detail}`);
        const leftovers = await releaseAll(rt, id, ctx);
        if (rec) await rt.records.recordLeftovers(id, leftovers);
        if (leftovers.length > 0) report.failed.push({ containerId: id, leftovers });
        else report.released.push({ containerId: id, resources: what.length > 0 ? what : (rec?.Leftovers ?? []) });
      },
      CLAIM_LOCK,
    );
    // The lock made a directory for an orphan's ID: leave no empty container directory behind.
    if (!(await rt.store.read(id))) await rt.store.delete(id);
  }
  await sweepRemovedLogs(rt.driver.root);
  return report;
}
