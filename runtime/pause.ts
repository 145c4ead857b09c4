import { ContainerError, Messages } from '../common/errors';
import { DEFAULT_KILL_SIGNAL, parseSignal } from '../common/signals';
import type { ContainerRecord } from '../common/types';
import type { KillResult, PauseResult } from '../common/verbs-api';
import { sleep } from './fsutil';
import type { ContainerRuntime } from './contract';
import type { HostParts } from './host-parts';

/**
 * docker kill, pause and unpause (moby daemon/kill.go, pause.go, unpause.go): Docker's state rules here, the
 * system work (runc kill, pause, resume) in the driver.
 */

/** What kill, pause and unpause work with: the records and driver, and the refreshed lookup. */
export type PauseDeps = HostParts & Pick<ContainerRuntime, 'lookup'>;

/** How long kill with SIGKILL waits for the process to be gone, as Docker's Kill does. */
const KILL_WAIT_MS = 10_000;

/** Docker's 409s for a container that cannot be paused. */
function checkPausable(rec: ContainerRecord): void {
  if (!rec.State.Running) throw new ContainerError('ContainerNotRunning', Messages.notRunning(rec.Id));
  if (rec.State.Paused) throw new ContainerError('Conflict', Messages.alreadyPaused(rec.Id));
  if (rec.State.Restarting) throw new ContainerError('Conflict', Messages.restarting(rec.Id));
}

/** docker pause: freezes the container's processes; Paused, Status "paused"; `pause`. */
export async function pause(rt: PauseDeps, ref: string): Promise<PauseResult> {
  const { Id } = await rt.lookup(ref); // refreshed: a process that has exited reads not running
  await rt.store.withLock(Id, async () => {
    const rec = await rt.store.get(Id);
    checkPausable(rec);
    await rt.driver.pauseProcess(Id);
    rec.State = { ...rec.State, Paused: true, Status: 'paused' };
    await rt.store.write(rec);
  });
  await rt.records.emitEvent(Id, 'pause');
  return { containerId: Id };
}

/** docker unpause: thaws them; not Paused, Status "running"; `unpause`. */
export async function unpause(rt: PauseDeps, ref: string): Promise<PauseResult> {
  const { Id } = await rt.store.lookup(ref);
  await rt.store.withLock(Id, async () => {
    const rec = await rt.store.get(Id);
    if (!rec.State.Paused) throw new ContainerError('Conflict', Messages.notPaused(Id));
    await rt.driver.resumeProcess(Id);
    rec.State = { ...rec.State, Paused: false, Status: rec.State.Running ? 'running' : rec.State.Status };
    await rt.store.write(rec);
  });
  await rt.records.emitEvent(Id, 'unpause');
  return { containerId: Id };
}

/**
 * Thaws a paused container before it is signalled to death (stop, rm -f, kill): a frozen process does not act
 * on a signal, and under the cgroup v1 freezer not even on SIGKILL. Emits `unpause`, as Docker's resume does.
 */
export async function resumeIfPaused(rt: HostParts, id: string): Promise<void> {
  let resumed = false;
  await rt.store.withLock(id, async () => {
    const rec = await rt.store.read(id);
    if (!rec?.State.Paused) return;
    await rt.driver.resumeProcess(id);
    rec.State = { ...rec.State, Paused: false, Status: rec.State.Running ? 'running' : rec.State.Status };
    await rt.store.write(rec);
    resumed = true;
  });
  if (resumed) await rt.records.emitEvent(id, 'unpause');
}

/**
 * docker kill [-s SIGNAL]: the signal (default SIGKILL) to the container's process; the container counts as
 * manually stopped (no restart policy brings it back); `kill` with the signal's number. A paused container
 * is resumed after the signal, so it gets it. With SIGKILL, waits up to 10 s for the process to be gone.
 * Resources stay held until stop, rm or gc releases them (as after any exit).
 */
export async function kill(rt: PauseDeps, ref: string, rawSignal?: string): Promise<KillResult> {
  // The signal first: a bad one is the caller's 400 whatever the container (Docker parses it in the router).
  const signal = rawSignal ? parseSignal(rawSignal) : DEFAULT_KILL_SIGNAL;
  const rec = await rt.lookup(ref);
  const notRunning = () =>
    new ContainerError('ContainerNotRunning', Messages.cannotKill(ref, Messages.notRunning(rec.Id)));
  if (!rec.State.Running) throw notRunning();
  await rt.records.markManuallyStopped(rec.Id);
  if (!(await rt.driver.signalProcess(rec.Id, signal))) {
    await rt.lookup(rec.Id); // it had just exited: the record says so
    throw notRunning();
  }
  await rt.records.emitEvent(rec.Id, 'kill', { signal: String(signal) });
  await resumeIfPaused(rt, rec.Id);
  if (signal === DEFAULT_KILL_SIGNAL) await waitNotRunning(rt, rec.Id, KILL_WAIT_MS);
  return { containerId: rec.Id, signal };
}

/** Polls the (refreshed) record until it no longer says Running, or the time is up. */
async function waitNotRunning(rt: PauseDeps, id: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while ((await rt.lookup(id)).State.Running && Date.now() < until) await sleep(20);
}
