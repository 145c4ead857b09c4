/**
 * The container monitor's wait for a run's end (runtime/monitor.ts waitForRunEnd) on the simulated runtime,
 * no Temporal: woken by a change of the files that tell (inotify), not a timer; a slower look still sees
 * what no change told of; an abort ends it at once; no watch outlives it.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ContainerRun, RunEnd } from '../../common/monitor-api';
import { HOST_STEPS } from '../../common/steps';
import { indexFile, readLogIndex } from '../../runtime/log-index';
import { FALLBACK_MS, waitForRunEnd } from '../../runtime/monitor';
import type { SimulatedRuntime } from '../../runtime/simulated-runtime';
import { simulatedRuntime } from '../runtimes';
import { FileWaker } from '../../runtime/watch';
import { tempDirEach } from './helpers';

const root = tempDirEach('monitor-wait');
let rt: SimulatedRuntime;

beforeEach(() => {
  rt = simulatedRuntime(root.path);
});

/** A hour: with it, only a change of a watched file (or an abort) can end a wait within a test's time. */
const NO_LOOK = { fallbackMs: 3_600_000 };

/** Creates and starts a container as the saga leaves it (every host step, then mark-running); its run. */
async function running(
  hostConfig?: Parameters<SimulatedRuntime['create']>[0]['hostConfig'],
): Promise<{ id: string; run: ContainerRun }> {
  const { Id: id } = await rt.create({
    image: 'busybox',
    cmd: ['sleep', '1000'],
    ...(hostConfig ? { hostConfig } : {}),
  });
  for (const s of HOST_STEPS) {
    if (s.name === 'spec') await rt.acquire('spec', { id, env: ['PATH=/bin'], extraHosts: [] });
    else if (s.name !== 'working-dir') await rt.acquire(s.name, { id } as never);
  }
  const { pid } = await rt.acquire('process', { id });
  const rec = await rt.markRunning(id, pid);
  return { id, run: { pid, startedAt: rec.State.StartedAt } };
}

/** Counts the driver's probes (and passes them on). */
function countProbes() {
  return vi.spyOn(rt.driver, 'probeProcess');
}

/** Resolves once `probe` holds (checked every 20 ms); fails after 10 s. */
async function until(what: string, probe: () => boolean | Promise<boolean>): Promise<void> {
  for (const end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 20)))
    if (await probe()) return;
  throw new Error(`timed out waiting for ${what}`);
}

/** The process's inotify descriptor's watches (/proc/self/fdinfo), and its open descriptors. */
async function openHandles(): Promise<{ fds: number; watches: number }> {
  const fds = await fs.readdir('/proc/self/fd');
  let watches = 0;
  for (const fd of fds) {
    const link = await fs.readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (link === 'anon_inode:inotify')
      watches += (await fs.readFile(`/proc/self/fdinfo/${fd}`, 'utf8').catch(() => ''))
        .split('\n')
        .filter((l) => l.startsWith('inotify wd:')).length;
  }
  return { fds: fds.length, watches };
}

describe('waitForRunEnd', () => {
  it('an idle wait probes the process at its looks only, not on a timer: at most 2 probes in a second (the 100 ms poll made ≈ 10)', async () => {
    const { id, run } = await running();
    const probes = countProbes();
    const ac = new AbortController();
    const wait = waitForRunEnd(rt, id, run, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 1000));
    const seen = probes.mock.calls.length;
    ac.abort();
    await expect(wait).rejects.toThrow('wait cancelled');
    expect(seen).toBeGreaterThanOrEqual(1);
    expect(seen).toBeLessThanOrEqual(2);
  });

  it('an exit is seen by the change of the process file alone (no look meanwhile), with one probe after it', async () => {
    const { id, run } = await running();
    const probes = countProbes();
    const wait = waitForRunEnd(rt, id, run, {}, NO_LOOK);
    await until('the first look', () => probes.mock.calls.length === 1);
    await rt.driver.signalProcess(id, 9); // the driver's own write: no probe of its own
    const end = await wait;
    expect(end).toMatchObject({ kind: 'exited', exitCode: 137, oomKilled: false });
    expect(probes.mock.calls.length).toBe(2);
  });

  it('a change of the record wakes the wait too: an exit recorded by someone else, a removal, another run', async () => {
    const a = await running();
    const waitA = waitForRunEnd(rt, a.id, a.run, {}, NO_LOOK);
    await new Promise((r) => setTimeout(r, 50));
    await rt.stop(a.id, 1); // records the exit (stop holds the record), as docker stop
    expect(await waitA).toMatchObject({ kind: 'exited', exitCode: 143 });

    const b = await running();
    const waitB = waitForRunEnd(rt, b.id, b.run, {}, NO_LOOK);
    await new Promise((r) => setTimeout(r, 50));
    await rt.remove(b.id, true);
    expect(await waitB).toEqual({ kind: 'removed' });

    const c = await running();
    const waitC = waitForRunEnd(rt, c.id, c.run, {}, NO_LOOK);
    await new Promise((r) => setTimeout(r, 50));
    const later = new Date(Date.parse(c.run.startedAt) + 1000).toISOString();
    await rt.store.update(c.id, (rec) => void (rec.State.StartedAt = later));
    expect(await waitC).toEqual({ kind: 'superseded', run: { pid: c.run.pid, startedAt: later } });
  });

  it('an exit no change told of (the process gone without its exit status written) is seen by the look every FALLBACK_MS', async () => {
    const { id, run } = await running();
    let gone = false;
    const real = rt.driver.probeProcess.bind(rt.driver);
    const probes = vi
      .spyOn(rt.driver, 'probeProcess')
      .mockImplementation(async (cid) =>
        gone ? { kind: 'exited', code: 255, at: new Date().toISOString() } : real(cid),
      );
    const wait = waitForRunEnd(rt, id, run);
    await until('the first look', () => probes.mock.calls.length === 1);
    gone = true; // nothing is written: no watch can tell
    const end = await wait;
    expect(end).toMatchObject({ kind: 'exited', exitCode: 255 });
    expect(probes.mock.calls.length).toBe(2);
    expect(FALLBACK_MS).toBeLessThan(10_000 / 2); // well within the monitor's heartbeat timeout (workflows/monitor.ts)
  });

  it('an abort ends the wait at once, not at the next look', async () => {
    const { id, run } = await running();
    const probes = countProbes();
    const ac = new AbortController();
    const wait = waitForRunEnd(rt, id, run, { signal: ac.signal }, NO_LOOK);
    await until('the first look', () => probes.mock.calls.length === 1);
    ac.abort();
    await expect(wait).rejects.toThrow('wait cancelled');
    // an abort before the wait begins: one look (an exit is still reported first), then the end
    await expect(waitForRunEnd(rt, id, run, { signal: ac.signal }, NO_LOOK)).rejects.toThrow('wait cancelled');
  });

  it('a log being written is sampled (its timestamps) and rotated past max-size without a look', async () => {
    const { id, run } = await running({
      LogConfig: { Type: 'json-file', Config: { 'max-size': '1k', 'max-file': '2' } },
    });
    const log = rt.driver.layout.log(id);
    const probes = countProbes();
    const ac = new AbortController();
    const wait = waitForRunEnd(rt, id, run, { signal: ac.signal }, NO_LOOK);
    await until('the first look', () => probes.mock.calls.length === 1);
    const before = Date.now();
    await fs.appendFile(log, 'one\n');
    await until('a sample of the first line', async () => (await readLogIndex(log)).samples.some((s) => s.end === 4));
    const first = (await readLogIndex(log)).samples.find((s) => s.end === 4)!;
    expect(first.time).toBeGreaterThanOrEqual(before);
    await fs.appendFile(log, 'x'.repeat(1100));
    await until('a rotation', async () => (await readLogIndex(log)).starts.length === 2);
    expect((await readLogIndex(log)).starts).toEqual([0, 1104]);
    expect((await fs.stat(log)).size).toBe(0);
    expect((await fs.readFile(`${log}.1`, 'utf8')).length).toBe(1104);
    expect(probes.mock.calls.length).toBe(1);
    ac.abort();
    await expect(wait).rejects.toThrow('wait cancelled');
    expect(await fs.readFile(indexFile(log), 'utf8')).toMatch(/^starts 0 1104\n/);
  });

  it('a log written in a tight loop does not wake the wait at every write: it looks every 100 ms instead, and still sees the exit', async () => {
    const { id, run } = await running({ LogConfig: { Type: 'json-file', Config: { 'max-size': '1g' } } });
    const log = rt.driver.layout.log(id);
    const probes = countProbes();
    const wait = waitForRunEnd(rt, id, run, {}, NO_LOOK);
    await until('the first look', () => probes.mock.calls.length === 1);
    const writer = spawn('sh', ['-c', `while :; do echo line; done >> '${log}'`], { stdio: 'ignore' });
    try {
      // the flood drops the watch of the container's directory: the wait looks (probes) on its own, with no change seen
      await until('looks while the log floods', () => probes.mock.calls.length >= 3);
      await rt.driver.signalProcess(id, 9);
      expect(await wait).toMatchObject({ kind: 'exited', exitCode: 137 });
    } finally {
      writer.kill('SIGKILL');
    }
    expect((await readLogIndex(log)).samples.length).toBeGreaterThanOrEqual(2);
  });

  it('closes every watch however it ends: exited, removed, superseded, aborted, failed', async () => {
    // the process's one inotify descriptor exists once a first watch has been made
    const warm = await running();
    const warmWait = waitForRunEnd(rt, warm.id, warm.run, {}, NO_LOOK);
    await new Promise((r) => setTimeout(r, 50));
    await rt.kill(warm.id, 'KILL');
    await warmWait;
    const before = await openHandles();

    const ends: RunEnd['kind'][] = [];
    const a = await running();
    const waitA = waitForRunEnd(rt, a.id, a.run, {}, NO_LOOK);
    await new Promise((r) => setTimeout(r, 50));
    const during = await openHandles();
    await rt.kill(a.id, 'KILL');
    ends.push((await waitA).kind);

    const b = await running();
    const waitB = waitForRunEnd(rt, b.id, b.run, {}, NO_LOOK);
    await new Promise((r) => setTimeout(r, 50));
    await rt.remove(b.id, true);
    ends.push((await waitB).kind);

    const c = await running();
    const waitC = waitForRunEnd(rt, c.id, c.run, {}, NO_LOOK);
    await new Promise((r) => setTimeout(r, 50));
    await rt.store.update(
      c.id,
      (rec) => void (rec.State.StartedAt = new Date(Date.parse(c.run.startedAt) + 1000).toISOString()),
    );
    ends.push((await waitC).kind);

    const d = await running();
    const ac = new AbortController();
    const waitD = waitForRunEnd(rt, d.id, d.run, { signal: ac.signal }, NO_LOOK);
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    await expect(waitD).rejects.toThrow('wait cancelled');

    const read = vi.spyOn(rt.store, 'read').mockRejectedValueOnce(new Error('EIO: the record cannot be read'));
    await expect(waitForRunEnd(rt, d.id, d.run, {}, NO_LOOK)).rejects.toThrow('EIO');
    read.mockRestore();

    expect(ends).toEqual(['exited', 'removed', 'superseded']);
    // a wait watches the container's directory and the simulated processes' directory
    expect(during.watches - before.watches).toBe(2);
    expect(await openHandles()).toEqual(before);
  });
});

describe('FileWaker', () => {
  it('wakes on a change of a file of a kind the wait names, notes the others, and says when it cannot watch', async () => {
    const dir = path.join(root.path, 'w');
    await fs.mkdir(dir);
    const waker = new FileWaker(
      new Map([
        [path.join(dir, 'a'), 'a'],
        [path.join(dir, 'b'), 'b'],
      ] as const),
    );
    try {
      expect(waker.watching).toBe(true);
      const onA = waker.wait(3_600_000, new Set(['a']));
      await fs.writeFile(path.join(dir, 'b'), 'x'); // noted, does not wake
      await fs.writeFile(path.join(dir, 'c'), 'x'); // not watched
      await new Promise((r) => setTimeout(r, 50));
      await fs.writeFile(path.join(dir, 'a'), 'x');
      await onA;
      expect(waker.take()).toEqual(new Set(['a', 'b']));
      expect(waker.take()).toEqual(new Set());
      // a change since the last take ends the next wait at once
      await fs.rm(path.join(dir, 'b'));
      await waker.wait(3_600_000, new Set(['b']));
      expect(waker.take()).toEqual(new Set(['b']));
    } finally {
      waker.close();
    }
    expect(waker.watching).toBe(false);
    // closed: a wait ends at once
    await waker.wait(3_600_000, new Set(['a']));

    // a flood of changes of one kind drops its directory's watch until resumed
    const flooded = new FileWaker(
      new Map([
        [path.join(dir, 'log'), 'log'],
        [path.join(dir, 'a'), 'a'],
      ] as const),
      { flood: { kind: 'log', limit: 3 } },
    );
    try {
      // a write and a mode change by turns, apart: inotify merges only an event like the one before it, unread
      await fs.writeFile(path.join(dir, 'log'), '');
      for (let i = 0; i < 4; i++) {
        await fs.appendFile(path.join(dir, 'log'), 'x\n');
        await fs.chmod(path.join(dir, 'log'), i % 2 ? 0o600 : 0o640);
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(flooded.watching).toBe(false);
      await fs.writeFile(path.join(dir, 'a'), 'y'); // unseen while dropped
      await new Promise((r) => setTimeout(r, 50));
      expect(flooded.take()).toEqual(new Set(['log']));
      flooded.resume();
      expect(flooded.watching).toBe(true);
      await fs.writeFile(path.join(dir, 'a'), 'z');
      await flooded.wait(3_600_000, new Set(['a']));
      expect(flooded.take()).toEqual(new Set(['a']));
    } finally {
      flooded.close();
    }

    const blind = new FileWaker(new Map([[path.join(root.path, 'missing', 'a'), 'a']]));
    expect(blind.watching).toBe(false); // no directory to watch: the waiter looks as often as without inotify
    await blind.wait(10, new Set(['a']));
    blind.close();
  });
});
