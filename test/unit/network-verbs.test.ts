/**
 * The network verbs of one host (runtime/network-verbs.ts, network-connect.ts) on the simulated driver: a
 * retried connect or disconnect finds its work done, a live start claim is refused rather than raced, a
 * network a start is wiring cannot be removed, and a create's retry answers the network it made.
 */
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { connectNetwork, disconnectNetwork } from '../../runtime/network-connect';
import { createNetwork, listNetworks, removeNetwork } from '../../runtime/network-verbs';
import type { SimulatedRuntime } from '../../runtime/simulated-runtime';
import { simulatedRuntime } from '../runtimes';
import { expectError, rejected, tempDirEach } from './helpers';

const tmp = tempDirEach('netverbs');
let rt: SimulatedRuntime;
const ID = 'a'.repeat(64);
const notStarting = { isStarting: async () => false };

beforeEach(async () => {
  rt = simulatedRuntime(path.join(tmp.path, 'root'));
  await rt.store.init();
  await createNetwork(rt, { request: { Name: 'app', IPAM: { Config: [{ Subnet: '10.158.0.0/24' }] } }, id: ID });
});

describe('network verbs on one host', () => {
  it("a create's retry answers the network it made; another create of the name is Docker's 409", async () => {
    const again = await createNetwork(rt, { request: { Name: 'app' }, id: ID });
    expect(again.Id).toBe(ID);
    expectError(await rejected(createNetwork(rt, { request: { Name: 'app' }, id: 'b'.repeat(64) })), {
      type: 'Conflict',
      message: 'network with name app already exists',
    });
    expect((await listNetworks(rt)).map((n) => n.Name).sort()).toEqual(['app', 'bridge', 'host', 'none']);
  });

  it('connect and disconnect: a retry finds them done; a first attempt gets Docker refusals', async () => {
    const c = await rt.create({ image: 'busybox', name: 'c1', cmd: ['true'] });
    await connectNetwork(rt, 'app', 'c1', { Aliases: ['x'] }, notStarting);
    expectError(await rejected(connectNetwork(rt, 'app', 'c1', undefined, notStarting)), {
      type: 'Forbidden',
      message: 'endpoint with name c1 already exists in network app',
    });
    await connectNetwork(rt, 'app', 'c1', undefined, { ...notStarting, retried: true });
    expect((await rt.store.get(c.Id)).NetworkSettings.Networks?.app?.Aliases).toEqual(['x']);
    await disconnectNetwork(rt, 'app', 'c1', false, notStarting);
    expectError(await rejected(disconnectNetwork(rt, 'app', 'c1', false, notStarting)), {
      type: 'Forbidden',
      message: `container ${c.Id} is not connected to network app`,
    });
    await disconnectNetwork(rt, 'app', 'c1', false, { ...notStarting, retried: true });
    expect(Object.keys((await rt.store.get(c.Id)).NetworkSettings.Networks ?? {})).toEqual(['bridge']);
  });

  it('a live start claim: connect is refused (409), and the network it is wiring cannot be removed', async () => {
    const c = await rt.create({
      image: 'busybox',
      name: 's1',
      cmd: ['true'],
      hostConfig: { NetworkMode: 'app' },
      endpoints: { app: {} },
    });
    await rt.store.update(c.Id, (r) => {
      r.StartingBy = { workflowId: 'container-start-x', runId: 'r' };
    });
    expectError(await rejected(connectNetwork(rt, 'bridge', 's1', undefined, { isStarting: async () => true })), {
      type: 'StartInProgress',
      message: /already being started by workflow container-start-x/,
    });
    expectError(await rejected(removeNetwork(rt, 'app')), {
      type: 'Forbidden',
      message: `error while removing network: network app id ${ID} has active endpoints`,
    });
    // the claim's owner is gone: connect goes ahead
    await connectNetwork(rt, 'bridge', 's1', undefined, notStarting);
    expect(Object.keys((await rt.store.get(c.Id)).NetworkSettings.Networks ?? {}).sort()).toEqual(['app', 'bridge']);
  });
});
