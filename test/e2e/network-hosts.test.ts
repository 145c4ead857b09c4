import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CliError } from '../../client/errors';
import { connectNetwork, createNetwork, networkInspect, networkList, removeNetwork } from '../../client/network-api';
import { claimStateRoot } from '../../worker/host-root';
import { startTestWorker, type TestWorker } from '../harness';
import { createOn, importOn, untilLive } from '../hosts-fixture';
import type { SimulatedRuntime } from '../../runtime/simulated-runtime';
import { simulatedRuntime } from '../runtimes';

// Networks across two hosts (in-process simulated workers `a` and `b` on one task queue): a create without
// --host is on every live host with one ID and one subnet, and undone on all when one host refuses; a
// container cannot join a network its host does not have (400 naming where it is).

const HOSTS = ['a', 'b'] as const;
type Host = (typeof HOSTS)[number];
const workers = {} as Record<Host, TestWorker>;
const runtimes = {} as Record<Host, SimulatedRuntime>;
const roots = {} as Record<Host, string>;

beforeAll(async () => {
  const address = inject('temporalAddress');
  for (const h of HOSTS) {
    roots[h] = await fs.mkdtemp(path.join(os.tmpdir(), `cs-neth-${h}-`));
    await claimStateRoot(roots[h], h);
    runtimes[h] = simulatedRuntime(roots[h], { host: h });
    workers[h] = await startTestWorker(address, runtimes[h], {
      identity: `worker-${h}`,
      ...(h === 'b' ? { taskQueue: workers.a.taskQueue } : {}),
    });
  }
  await untilLive(workers.a.session, HOSTS);
  await importOn(workers.a.session, 'busybox', 'busybox-static');
}, 120_000);

afterAll(async () => {
  for (const h of HOSTS) await workers[h]?.shutdown();
  for (const h of HOSTS) if (roots[h]) await fs.rm(roots[h], { recursive: true, force: true });
});

const s = () => workers.a.session;
async function failure(p: Promise<unknown>): Promise<[string, string]> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CliError);
  return [(err as CliError).type, (err as CliError).message];
}
const users = async () =>
  (await networkList(s()))
    .filter((n) => !['bridge', 'host', 'none'].includes(n.Name))
    .map((n) => `${n.Name} ${n.hosts.join(',')}`);

describe('networks across hosts (simulated driver)', () => {
  it('create on every host with one ID and subnet, or on one; connect across hosts is a 400', async () => {
    const shared = await createNetwork(s(), { request: { Name: 'shared' } });
    expect(shared.hosts).toEqual(['a', 'b']);
    const only = await createNetwork(s(), {
      request: { Name: 'onlyb', IPAM: { Config: [{ Subnet: '10.157.0.0/24' }] } },
      host: 'b',
    });
    expect(only.hosts).toEqual(['b']);
    expect((await users()).sort()).toEqual(['onlyb b', 'shared a,b']);
    const view = await networkInspect(s(), 'shared');
    expect(view.Id).toBe(shared.Id);
    // one subnet on both hosts: the first planned it, the second took it
    const subnets = await Promise.all(
      HOSTS.map(async (h) => (await runtimes[h].networks.find('shared')).IPAM.Config[0]!.Subnet),
    );
    expect(subnets[0]).toBe(subnets[1]);

    const onA = await createOn(s(), { image: 'busybox', name: 'on-a', cmd: ['sleep', '600'] }, 'a');
    expect(await failure(connectNetwork(s(), { network: 'onlyb', container: 'on-a' }))).toEqual([
      'InvalidParameter',
      'network onlyb is on host b, not on host a where container on-a is: networks are per host (create it there, or without --host on every host)',
    ]);
    expect(await failure(connectNetwork(s(), { network: 'nowhere', container: 'on-a' }))).toEqual([
      'NoSuchNetwork',
      'network nowhere not found',
    ]);
    expect((await connectNetwork(s(), { network: 'shared', container: 'on-a' })).host).toBe('a');
    // a create placed on a host without its network, that another host has: a 400 naming that host
    expect(
      await failure(
        createOn(
          s(),
          { image: 'busybox', cmd: ['true'], hostConfig: { NetworkMode: 'onlyb' }, endpoints: { onlyb: {} } },
          'a',
        ),
      ),
    ).toEqual([
      'InvalidParameter',
      'network onlyb is on host b, not on host a where the container was placed: networks are per host (pin the container with --host b, or create the network without --host)',
    ]);
    const onB = await createOn(s(), { image: 'busybox', cmd: ['true'], hostConfig: { NetworkMode: 'onlyb' } }, 'b');
    expect(onB.Id).toMatch(/^[0-9a-f]{64}$/);
    expect(onA.Id).toMatch(/^[0-9a-f]{64}$/);

    await removeNetwork(s(), 'shared');
    await removeNetwork(s(), 'onlyb');
    expect(await users()).toEqual([]);
  });

  it('a create one host refuses is undone on the hosts that made it', async () => {
    await createNetwork(s(), { request: { Name: 'dup' }, host: 'b' });
    expect(await failure(createNetwork(s(), { request: { Name: 'dup' } }))).toEqual([
      'Conflict',
      'network with name dup already exists',
    ]);
    expect(await users()).toEqual(['dup b']);
    await removeNetwork(s(), 'dup');
  });
});
