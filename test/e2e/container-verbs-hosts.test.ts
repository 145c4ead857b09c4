import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { inspect, startContainer } from '../../client/api';
import { diskUsage, pruneContainers, rename, top } from '../../client/container-verbs-api';
import { simulatedRuntime } from '../runtimes';
import { claimStateRoot } from '../../worker/host-root';
import { startTestWorker, type TestWorker } from '../harness';
import { createOn, untilLive } from '../hosts-fixture';

// rename, top, container prune and system df across two hosts (in-process simulated workers `a` and `b` on one
// task queue, as hosts-simulated.test.ts): a name is unique across hosts, prune and df cover every live host,
// top runs where the container is.

const HOSTS = ['a', 'b'] as const;
type Host = (typeof HOSTS)[number];
const workers = {} as Record<Host, TestWorker>;
const roots = {} as Record<Host, string>;

beforeAll(async () => {
  const address = inject('temporalAddress');
  for (const h of HOSTS) {
    roots[h] = await fs.mkdtemp(path.join(os.tmpdir(), `cs-cverbs-${h}-`));
    await claimStateRoot(roots[h], h);
    workers[h] = await startTestWorker(address, simulatedRuntime(roots[h], { host: h }), {
      identity: `worker-${h}`,
      ...(h === 'b' ? { taskQueue: workers.a.taskQueue } : {}),
    });
  }
  await untilLive(workers.a.session, HOSTS);
}, 120_000);

afterAll(async () => {
  for (const h of HOSTS) await workers[h]?.shutdown();
  for (const h of HOSTS) if (roots[h]) await fs.rm(roots[h], { recursive: true, force: true });
});

const s = () => workers.a.session;
const make = async (name: string, host: Host) =>
  (await createOn(s(), { name, image: 'busybox', cmd: ['sleep', '1000'] }, host)).Id;

describe('rename, top, prune and df across two hosts (simulated driver)', () => {
  it("a name another host's container has is Docker's 409; the rename on the owner host then works", async () => {
    const onA = await make('hx-a', 'a');
    const onB = await make('hx-b', 'b');
    await expect(rename(s(), 'hx-a', 'hx-b')).rejects.toMatchObject({
      status: 409,
      message: `Error when allocating new name: Conflict. The container name "/hx-b" is already in use by container "${onB}". You have to remove (or rename) that container to be able to reuse that name.`,
    });
    expect((await inspect(s(), onA)).Name).toBe('/hx-a');
    await rename(s(), 'hx-b', 'hx-b2');
    expect(await inspect(s(), onB)).toMatchObject({ Name: '/hx-b2', Node: { Name: 'b' } });
    await rename(s(), 'hx-a', 'hx-b');
    expect((await inspect(s(), onA)).Name).toBe('/hx-b');
  });

  it('top runs on the container host; df and prune cover every live host, never a running container', async () => {
    const live = await make('hx-live', 'b');
    await startContainer(s(), live);
    expect((await top(s(), 'hx-live')).Titles).toEqual(['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
    const du = await diskUsage(s());
    const names = du.containers.map((c) => `${c.record.Name}@${c.record.Node?.Name}`).sort();
    expect(names).toEqual(['/hx-b2@b', '/hx-b@a', '/hx-live@b']);
    const pruned = await pruneContainers(s(), {});
    expect([...(pruned.ContainersDeleted ?? [])].sort()).toEqual(
      du.containers
        .filter((c) => c.record.Id !== live)
        .map((c) => c.record.Id)
        .sort(),
    );
    expect((await inspect(s(), live)).State.Running).toBe(true);
    expect((await diskUsage(s())).containers.map((c) => c.record.Id)).toEqual([live]);
  });
});
