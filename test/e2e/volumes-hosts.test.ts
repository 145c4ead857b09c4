import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { remove } from '../../client/api';
import { CliError } from '../../client/errors';
import { createVolume, inspectVolume, listVolumes, pruneVolumes, removeVolume } from '../../client/volume-verbs-api';
import { claimStateRoot } from '../../worker/host-root';
import { startTestWorker, type TestWorker } from '../harness';
import { createOn, untilLive } from '../hosts-fixture';
import { simulatedRuntime } from '../runtimes';

// The volume verbs across two hosts on one machine (in-process workers `a` and `b` on one task queue, each
// with its own simulated state root): a volume lives where it was made, each verb reaches that host.

const HOSTS = ['a', 'b'] as const;
type Host = (typeof HOSTS)[number];
const workers = {} as Record<Host, TestWorker>;
const roots = {} as Record<Host, string>;

beforeAll(async () => {
  const address = inject('temporalAddress');
  for (const h of HOSTS) {
    roots[h] = await fs.mkdtemp(path.join(os.tmpdir(), `cs-volhosts-${h}-`));
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
/** The hosts whose state root holds the volume. */
async function holders(name: string): Promise<Host[]> {
  const out: Host[] = [];
  for (const h of HOSTS)
    if ((await fs.stat(path.join(roots[h], 'volumes', name, 'volume.json')).catch(() => undefined))?.isFile())
      out.push(h);
  return out;
}
async function failure(p: Promise<unknown>): Promise<[string, string]> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CliError) return [err.type, err.message];
    throw err;
  }
  throw new Error('expected a failure');
}

describe('volumes on two hosts', () => {
  it('made where asked (--host, the host label), else where the name is, else on the first live host', async () => {
    expect((await createVolume(s(), { name: 'hv', host: 'b' })).Mountpoint).toBe(
      path.join(roots.b, 'volumes', 'hv', '_data'),
    );
    await createVolume(s(), { name: 'hv' }); // b has it: answered there
    await createVolume(s(), { name: 'hv2' });
    await createVolume(s(), { name: 'hv3', labels: { 'container-saga.host': 'b' } });
    expect([await holders('hv'), await holders('hv2'), await holders('hv3')]).toEqual([['b'], ['a'], ['b']]);
    expect(await failure(createVolume(s(), { name: 'x', host: 'nosuch' }))).toEqual([
      'NoSuchHost',
      'No such host: nosuch',
    ]);
    expect((await listVolumes(s(), {})).Volumes.map((v) => v.Name)).toEqual(['hv2', 'hv', 'hv3']);
    expect((await listVolumes(s(), {}, 'b')).Volumes.map((v) => v.Name)).toEqual(['hv', 'hv3']);
    expect((await inspectVolume(s(), 'hv')).Mountpoint).toBe(path.join(roots.b, 'volumes', 'hv', '_data'));
    expect(await failure(inspectVolume(s(), 'hv', 'a'))).toEqual(['NoSuchVolume', 'get hv: no such volume']);
  });

  it("rm reaches the volume's host, refused while a container there uses it; prune on one host", async () => {
    const { Id } = await createOn(s(), { image: 'busybox', cmd: ['true'], hostConfig: { Binds: ['hv:/d'] } }, 'b');
    expect(await failure(removeVolume(s(), 'hv', false))).toEqual([
      'Conflict',
      `remove hv: volume is in use - [${Id}]`,
    ]);
    await remove(s(), Id, false);
    await removeVolume(s(), 'hv', false);
    expect(await holders('hv')).toEqual([]);
    expect(await pruneVolumes(s(), { all: true, host: 'a' })).toEqual({ VolumesDeleted: ['hv2'], SpaceReclaimed: 0 });
    expect([await holders('hv2'), await holders('hv3')]).toEqual([[], ['b']]);
  });
});
