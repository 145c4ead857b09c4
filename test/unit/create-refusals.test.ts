import { beforeEach, describe, expect, it } from 'vitest';
import { FAULT_LABEL } from '../../runtime/faults';
import type { SimulatedRuntime } from '../../runtime/simulated-runtime';
import { simulatedRuntime } from '../runtimes';
import { expectError, rejected, tempDirEach } from './helpers';

// Create-time refusals that leave nothing behind: the fault label on a worker without fault injection, and
// container:X network/IPC modes naming no container.

const root = tempDirEach('create-refusals');
let rt: SimulatedRuntime;

beforeEach(() => {
  rt = simulatedRuntime(root.path);
});

describe('the fault label', () => {
  it('is refused (400) where fault injection is off, and nothing is created', async () => {
    const err = await rejected(
      rt.create({ cmd: ['true'], name: 'hooked', image: 'busybox', labels: { [FAULT_LABEL]: 'process=fail' } }),
    );
    expectError(err, {
      type: 'InvalidParameter',
      message: `the label ${FAULT_LABEL} is for fault injection, which this worker does not allow (start it with CONTAINER_SAGA_ALLOW_FAULTS=1)`,
    });
    expect(await rt.list()).toEqual([]);
  });

  it('is accepted where the worker enabled fault injection; other labels always are', async () => {
    await rt.create({ cmd: ['true'], name: 'plain', image: 'busybox', labels: { 'container-saga.other': 'x' } });
    rt = simulatedRuntime(root.path, { faultsAllowed: true });
    await rt.create({ cmd: ['true'], name: 'hooked', image: 'busybox', labels: { [FAULT_LABEL]: 'process=fail' } });
    expect((await rt.list()).map((c) => c.Name).sort()).toEqual(['/hooked', '/plain']);
  });
});

describe('container:X network and IPC modes', () => {
  it.each([
    ['network', { NetworkMode: 'container:nosuch' }],
    ['ipc', { IpcMode: 'container:nosuch' }],
  ])('--%s container:nosuch is refused at create (400), and nothing is created', async (what, hostConfig) => {
    const err = await rejected(rt.create({ cmd: ['true'], image: 'busybox', hostConfig }));
    expectError(err, {
      type: 'InvalidParameter',
      message: `could not get container for --${what} container:nosuch: No such container: nosuch`,
    });
    expect(await rt.list()).toEqual([]);
  });

  it('a container that exists, by name or ID prefix, is accepted whether it runs or not', async () => {
    const donor = await rt.create({ cmd: ['true'], name: 'donor', image: 'busybox' });
    await rt.create({
      name: 'byname',
      image: 'busybox',
      cmd: ['true'],
      hostConfig: { NetworkMode: 'container:donor', IpcMode: 'container:donor' },
    });
    await rt.create({
      name: 'byid',
      image: 'busybox',
      cmd: ['true'],
      hostConfig: { NetworkMode: `container:${donor.Id.slice(0, 12)}` },
    });
    expect(await rt.list()).toHaveLength(3);
  });
});
