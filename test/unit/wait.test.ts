/** docker wait's conditions on the simulated runtime (runtime/wait.ts, behind the wait activity). No Temporal. */
import { promises as fs } from 'node:fs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { HOST_STEPS } from '../../common/steps';
import type { SimulatedRuntime } from '../../runtime/simulated-runtime';
import { simulatedRuntime } from '../runtimes';
import { waitForCondition } from '../../runtime/wait';
import { expectError, rejected, tempDirEach } from './helpers';

const root = tempDirEach('wait');
let rt: SimulatedRuntime;

beforeEach(() => {
  rt = simulatedRuntime(root.path);
});

/** Starts the container as the saga leaves it: every host step, then mark-running. */
async function start(id: string): Promise<void> {
  for (const s of HOST_STEPS) {
    if (s.name === 'spec') await rt.acquire('spec', { id, env: ['PATH=/bin'], extraHosts: [] });
    else if (s.name !== 'working-dir') await rt.acquire(s.name, { id } as never);
  }
  const { pid } = await rt.acquire('process', { id });
  await rt.markRunning(id, pid);
}

/** Whether `p` is still pending after `ms`. */
async function pending(p: Promise<unknown>, ms = 300): Promise<boolean> {
  return Promise.race([
    p.then(
      () => false,
      () => false,
    ),
    new Promise<boolean>((r) => setTimeout(() => r(true), ms)),
  ]);
}

/** The watches on the process's inotify descriptors (/proc/self/fdinfo). */
async function inotifyWatches(): Promise<number> {
  let watches = 0;
  for (const fd of await fs.readdir('/proc/self/fd')) {
    if ((await fs.readlink(`/proc/self/fd/${fd}`).catch(() => '')) !== 'anon_inode:inotify') continue;
    watches += (await fs.readFile(`/proc/self/fdinfo/${fd}`, 'utf8').catch(() => ''))
      .split('\n')
      .filter((l) => l.startsWith('inotify wd:')).length;
  }
  return watches;
}

describe('waitForCondition', () => {
  it('an idle wait looks when the record changes, not on a timer: at most 3 looks in a second (the 100 ms poll made ≈ 10), and no watch left', async () => {
    const { Id } = await rt.create({ image: 'busybox', name: 'idle', cmd: ['sleep', '100'] });
    await start(Id);
    const before = await inotifyWatches();
    const looks = vi.spyOn(rt, 'lookup');
    const ac = new AbortController();
    const wait = waitForCondition(rt, { container: 'idle' }, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 1000));
    const seen = looks.mock.calls.length;
    expect(await inotifyWatches()).toBeGreaterThan(before);
    // the exit, recorded by another process's hand (the monitor's): seen at once, not at the next fallback look
    const t = Date.now();
    await rt.kill(Id, 'KILL');
    expect(await wait).toEqual({ containerId: Id, StatusCode: 137 });
    expect(Date.now() - t).toBeLessThan(1000);
    expect(seen).toBeGreaterThanOrEqual(1);
    expect(seen).toBeLessThanOrEqual(3);
    expect(await inotifyWatches()).toBe(before);
    ac.abort();
  });

  it('not-running: at once for a container that does not run, else at its exit', async () => {
    const { Id } = await rt.create({ image: 'busybox', name: 'w1', cmd: ['sleep', '100'] });
    expect(await waitForCondition(rt, { container: 'w1' })).toEqual({ containerId: Id, StatusCode: 0 });
    await start(Id);
    const wait = waitForCondition(rt, { container: Id, condition: 'not-running' });
    expect(await pending(wait)).toBe(true);
    await rt.kill(Id, 'KILL');
    expect(await wait).toEqual({ containerId: Id, StatusCode: 137 });
  });

  it('next-exit: the exit after the one the client saw, even when it came before the first look', async () => {
    const { Id } = await rt.create({ image: 'busybox', name: 'w2', cmd: ['sh', '-c', 'exit 4'] });
    const seen = (await rt.lookup(Id)).State.FinishedAt;
    const wait = waitForCondition(rt, { container: Id, condition: 'next-exit', afterFinishedAt: seen });
    expect(await pending(wait)).toBe(true);
    await start(Id); // `exit 4` ends at once; the next read records the exit
    expect(await wait).toEqual({ containerId: Id, StatusCode: 4 });
    // asked after the run it means has already ended: the baseline is what the client saw
    expect(await waitForCondition(rt, { container: Id, condition: 'next-exit', afterFinishedAt: seen })).toEqual({
      containerId: Id,
      StatusCode: 4,
    });
    // without a baseline, an exited container waits for its next run's exit
    const ac = new AbortController();
    const next = waitForCondition(rt, { container: Id, condition: 'next-exit' }, { signal: ac.signal });
    expect(await pending(next)).toBe(true);
    ac.abort();
    await expect(next).rejects.toThrow('wait cancelled');
  });

  it('removed: through the exit to the removal; the exit code of the last die', async () => {
    const { Id } = await rt.create({ image: 'busybox', name: 'w3', cmd: ['sleep', '100'] });
    await start(Id);
    const wait = waitForCondition(rt, { container: Id, condition: 'removed' });
    await rt.kill(Id, 'TERM');
    expect(await pending(wait)).toBe(true);
    await rt.remove(Id, false);
    expect(await wait).toEqual({ containerId: Id, StatusCode: 143 });
    // removed before the wait's first look: the full ID and its events still tell
    expect(await waitForCondition(rt, { container: Id, condition: 'removed' })).toEqual({
      containerId: Id,
      StatusCode: 143,
    });
    // a name that names nothing is Docker's 404
    expectError(await rejected(waitForCondition(rt, { container: 'w3', condition: 'removed' })), {
      type: 'NoSuchContainer',
      message: 'No such container: w3',
    });
  });

  it('removed: the last die is found past the first page of a long events file', async () => {
    // other containers' events first, over one page (EVENTS_PAGE_BYTES): this one's die comes after
    const filler = {
      time: '2026-01-01T00:00:00.000Z',
      type: 'container' as const,
      action: 'create' as const,
      id: 'f'.repeat(64),
      name: 'other',
    };
    for (let i = 0; i < 3000; i++) await rt.store.appendEvent({ ...filler, attributes: { pad: 'x'.repeat(100) } });
    expect((await rt.events(0)).more).toBe(true);
    const { Id } = await rt.create({ image: 'busybox', name: 'w5', cmd: ['sleep', '100'] });
    await start(Id);
    await rt.kill(Id, 'TERM');
    // the exit is recorded
    expect(await waitForCondition(rt, { container: Id })).toEqual({ containerId: Id, StatusCode: 143 });
    await rt.remove(Id, false);
    expect(await waitForCondition(rt, { container: Id, condition: 'removed' })).toEqual({
      containerId: Id,
      StatusCode: 143,
    });
  });

  it('gives up when cancelled', async () => {
    const { Id } = await rt.create({ image: 'busybox', name: 'w4', cmd: ['sleep', '100'] });
    await start(Id);
    const ac = new AbortController();
    const wait = waitForCondition(rt, { container: Id }, { signal: ac.signal });
    ac.abort();
    await expect(wait).rejects.toThrow('wait cancelled');
  });
});
