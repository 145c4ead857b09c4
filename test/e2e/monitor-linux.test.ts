import { describe, expect } from 'vitest';
import { createContainer, inspect, readEvents, startContainer, stop } from '../../client/api';
import type { ContainerEvent, ContainerRecord, CreateRequest } from '../../common/types';
import { leaksOf } from '../../runtime/drivers/linux/probe';
import { linuxSuite, testNetwork } from '../linux-fixture';
import { until as untilValue } from '../harness';

// The container monitor with real containers (runc, CNI): what an exited container still holds, Docker's
// restart policies, a process killed from outside, a manual stop. Needs root (CI runs as root).

const suite = linuxSuite('cs-monitor-linux', testNetwork('e2e/monitor-linux'));
const rootIt = suite.it;

async function createAndStart(req: CreateRequest): Promise<string> {
  const { Id } = await createContainer(suite.w.session, req);
  await startContainer(suite.w.session, Id);
  return Id;
}

/** Polls until `probe` returns a value: this file's default wait. */
const until = <T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000) => untilValue(what, probe, ms, 100);

const rec = (id: string): Promise<ContainerRecord> => inspect(suite.w.session, id);

async function eventsOf(id: string): Promise<ContainerEvent[]> {
  return (await readEvents(suite.w.session, 0)).events.filter((e) => e.id === id);
}

describe('the container monitor (Linux driver)', () => {
  rootIt('a container that exits on its own holds no netns, IP, mount, process or cgroup afterwards', async () => {
    const id = await createAndStart({
      image: 'busybox',
      cmd: ['sh', '-c', 'echo bye; exit 4'],
      hostConfig: { Binds: ['monvol:/data'] },
    });
    const leaks = await until('the Cleanup after the exit', async () => {
      const r = await rec(id);
      const held = await leaksOf(suite.rt.root, id);
      return !r.State.Running && held.length === 0 ? held : undefined;
    });
    expect(leaks).toEqual([]);
    const r = await rec(id);
    expect([r.State.Status, r.State.ExitCode, r.NetworkSettings.IPAddress]).toEqual(['exited', 4, '']);
    expect((await eventsOf(id)).map((e) => e.action)).toEqual(['create', 'start', 'die']);
  });

  rootIt('a process the OOM killer ends is recorded OOMKilled, with an oom event before its die', async () => {
    const id = await createAndStart({
      image: 'busybox',
      cmd: ['sh', '-c', 'sleep 1; a=xxxxxxxxxxxxxxxx; while :; do a=$a$a; done'],
      hostConfig: { Memory: 8 * 1024 * 1024 },
    });
    // the record shows the exit a moment before its events are written: wait for the die
    const r = await until('the OOM kill', async () => {
      const x = await rec(id);
      return x.State.Running || !(await eventsOf(id)).some((e) => e.action === 'die') ? undefined : x;
    });
    expect([r.State.ExitCode, r.State.OOMKilled]).toEqual([137, true]);
    expect((await eventsOf(id)).map((e) => e.action)).toEqual(['create', 'start', 'oom', 'die']);
  });

  rootIt(
    'on-failure:2 restarts a command that exits 1 twice, after growing delays, then leaves it Exited',
    async () => {
      const id = await createAndStart({
        image: 'busybox',
        cmd: ['sh', '-c', 'exit 1'],
        hostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } },
      });
      const done = await until('two restarts', async () => {
        const r = await rec(id);
        const dies = (await eventsOf(id)).filter((e) => e.action === 'die');
        const settled = r.RestartCount === 2 && dies.length === 3 && !r.State.Running && !r.State.Restarting;
        // the last exit's Cleanup follows its `die`
        return settled && (await leaksOf(suite.rt.root, id)).length === 0 ? r : undefined;
      });
      expect([done.State.Status, done.State.ExitCode]).toEqual(['exited', 1]);
      const events = await eventsOf(id);
      expect(events.map((e) => e.action)).toEqual([
        'create',
        'start',
        'die',
        'restart',
        'start',
        'die',
        'restart',
        'start',
        'die',
      ]);
      // Docker's backoff: the second wait (200 ms) is longer than the first (100 ms)
      const at = (i: number) => Date.parse(events[i]!.time);
      expect(at(4) - at(2)).toBeGreaterThanOrEqual(100);
      expect(at(7) - at(5)).toBeGreaterThanOrEqual(200);
      expect(await leaksOf(suite.rt.root, id)).toEqual([]);
    },
  );

  rootIt('always: a process killed from outside (SIGKILL) comes back as a new run', async () => {
    const id = await createAndStart({
      image: 'busybox',
      cmd: ['sleep', '1000'],
      hostConfig: { RestartPolicy: { Name: 'always', MaximumRetryCount: 0 } },
    });
    const first = await rec(id);
    process.kill(first.State.Pid, 'SIGKILL');
    const back = await until('the restart', async () => {
      const r = await rec(id);
      return r.State.Running && r.State.Pid !== first.State.Pid && r.RestartCount === 1 ? r : undefined;
    });
    expect(back.State.StartedAt > first.State.StartedAt).toBe(true);
    const died = (await eventsOf(id)).find((e) => e.action === 'die');
    expect(died?.attributes?.exitCode).toBe('137');
    await stop(suite.w.session, id, 1);
  });

  rootIt('unless-stopped stays down after stop', async () => {
    const id = await createAndStart({
      image: 'busybox',
      cmd: ['sleep', '1000'],
      hostConfig: { RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 } },
    });
    await stop(suite.w.session, id, 1);
    await new Promise((r) => setTimeout(r, 1500));
    const r = await rec(id);
    expect([r.State.Status, r.State.Running, r.RestartCount, r.HasBeenManuallyStopped]).toEqual([
      'exited',
      false,
      0,
      true,
    ]);
    expect(await leaksOf(suite.rt.root, id)).toEqual([]);
  });
});
