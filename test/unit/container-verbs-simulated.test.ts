/** rename, container prune and top on the simulated runtime, no Temporal: the record, the locks, the retry key. */
import { beforeEach, describe, expect, it } from 'vitest';
import { HOST_STEPS } from '../../common/steps';
import { pruneContainers } from '../../runtime/container-prune';
import { rename } from '../../runtime/rename';
import type { SimulatedRuntime } from '../../runtime/simulated-runtime';
import { top } from '../../runtime/top';
import { simulatedRuntime } from '../runtimes';
import { tempDirEach } from './helpers';

const root = tempDirEach('sim-cverbs');
let rt: SimulatedRuntime;

beforeEach(() => {
  rt = simulatedRuntime(root.path);
});

async function running(name: string): Promise<string> {
  const { Id } = await rt.create({ image: 'busybox', name, cmd: ['sleep', '100'] });
  for (const s of HOST_STEPS) {
    if (s.name === 'spec') await rt.acquire('spec', { id: Id, env: ['PATH=/bin'], extraHosts: [] });
    else if (s.name !== 'working-dir') await rt.acquire(s.name, { id: Id } as never);
  }
  const { pid } = await rt.acquire('process', { id: Id });
  await rt.markRunning(Id, pid);
  return Id;
}

const renames = async (id: string) =>
  (await rt.events(0)).events.filter((e) => e.id === id && e.action === 'rename').map((e) => e.attributes);

describe('rename on the host', () => {
  it('a retry with the same key (its first report lost) is the same answer, not the same-name 400; one event', async () => {
    const { Id } = await rt.create({ image: 'busybox', name: 'r1', cmd: ['true'] });
    const first = await rename(rt, 'r1', 'r2', 'wf/run');
    expect(first).toEqual({ containerId: Id, oldName: '/r1', newName: '/r2' });
    expect(await rename(rt, Id, 'r2', 'wf/run')).toEqual(first);
    await expect(rename(rt, Id, 'r2', 'other/run')).rejects.toMatchObject({
      type: 'InvalidParameter',
      message: 'Renaming a container with the same name as its current name',
    });
    expect(await renames(Id)).toEqual([{ oldName: '/r1' }]);
    expect((await rt.lookup('r2')).Name).toBe('/r2');
  });

  it("a taken name is Docker's 409 naming the holder; the record stays", async () => {
    const { Id: a } = await rt.create({ image: 'busybox', name: 'ta', cmd: ['true'] });
    const { Id: b } = await rt.create({ image: 'busybox', name: 'tb', cmd: ['true'] });
    await expect(rename(rt, 'ta', '/tb', 'k')).rejects.toMatchObject({ type: 'Conflict', status: 409 });
    await expect(rename(rt, 'ta', 'tb', 'k')).rejects.toThrow(`already in use by container "${b}"`);
    expect((await rt.lookup(a)).Name).toBe('/ta');
    expect(await renames(a)).toEqual([]);
  });
});

describe('container prune and top on the host', () => {
  it('keeps running containers and ones whose start is in flight; removes the rest', async () => {
    const live = await running('p-live');
    const { Id: starting } = await rt.create({ image: 'busybox', name: 'p-starting', cmd: ['true'] });
    await rt.claimStart(starting, { workflowId: 'w', runId: 'r' }, async () => true);
    const { Id: idle } = await rt.create({ image: 'busybox', name: 'p-idle', cmd: ['true'] });
    const report = await pruneContainers(rt, {}, async (rec) => rec.StartingBy?.workflowId === 'w');
    expect(report).toEqual({ ContainersDeleted: [idle], SpaceReclaimed: 0 });
    expect((await rt.lookup(live)).State.Running).toBe(true);
    expect((await rt.lookup(starting)).State.RemovalInProgress).toBeFalsy();
    await expect(rt.lookup(idle)).rejects.toMatchObject({ type: 'NoSuchContainer' });
    // a claim whose workflow has ended holds nothing
    expect(await pruneContainers(rt, {}, async () => false)).toEqual({
      ContainersDeleted: [starting],
      SpaceReclaimed: 0,
    });
  });

  it('top of a stopped container is 409, of a running one asks the driver for its pid', async () => {
    const { Id } = await rt.create({ image: 'busybox', name: 't-stopped', cmd: ['true'] });
    await expect(top(rt, Id)).rejects.toMatchObject({ status: 409, message: `Container ${Id} is not running` });
    const live = await running('t-live');
    expect(await rt.driver.processIds(live)).toEqual([(await rt.lookup(live)).State.Pid]);
    expect((await top(rt, live, '-o pid')).Titles).toEqual(['PID']);
  });
});
