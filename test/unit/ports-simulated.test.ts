import { beforeEach, describe, expect, it } from 'vitest';
import type { HostConfig } from '../../common/types';
import type { SimulatedRuntime } from '../../runtime/simulated-runtime';
import { simulatedRuntime } from '../runtimes';
import { expectError, rejected, tempDirEach } from './helpers';

// Published ports on the simulated driver (its host-port allocation table, no sockets): the create checks
// Docker makes, and the network step's publish and release, conflicts and -P included.

const root = tempDirEach('ports-simulated');
let rt: SimulatedRuntime;

beforeEach(() => {
  rt = simulatedRuntime(root.path);
});

const ports = (id: string) => rt.lookup(id).then((r) => r.NetworkSettings.Ports);
const heldPorts = async (id: string) =>
  (await rt.driver.heldResources()).filter((h) => h.containerId === id && h.kind === 'port').map((h) => h.detail);

describe('create', () => {
  it("published ports are exposed; host mode keeps them with Docker's warning", async () => {
    const a = await rt.create({
      image: 'busybox',
      cmd: ['true'],
      hostConfig: { PortBindings: { '80': [{ HostIp: '', HostPort: '8080' }] } },
    });
    expect(a.Config.ExposedPorts).toEqual({ '80/tcp': {} });
    expect(a.HostConfig.PortBindings).toEqual({ '80/tcp': [{ HostIp: '', HostPort: '8080' }] });
    expect(a.createWarnings).toEqual([]);
    const h = await rt.create({
      image: 'busybox',
      cmd: ['true'],
      hostConfig: { NetworkMode: 'host', PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] } },
    });
    expect(h.createWarnings).toEqual(['Published ports are discarded when using host network mode']);
  });

  it.each<[Partial<HostConfig>, string]>([
    [
      { NetworkMode: 'container:peer', PublishAllPorts: true },
      'conflicting options: port publishing and the container type network mode',
    ],
    [{ PortBindings: { '65536/tcp': [] } }, 'invalid port specification: "65536"'],
    [{ PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '0-70000' }] } }, 'invalid port specification: "0-70000"'],
    [{ PortBindings: { '80/tcp': [{ HostIp: '1.2.3', HostPort: '80' }] } }, 'invalid IP address: 1.2.3'],
    [
      { PortBindings: { '80/sctp': [{ HostIp: '', HostPort: '80' }] } },
      'container-saga does not publish sctp ports (80/sctp)',
    ],
  ])('%j is refused (400) and nothing is created', async (hostConfig, message) => {
    if (hostConfig.NetworkMode) await rt.create({ image: 'busybox', cmd: ['true'], name: 'peer' });
    const before = (await rt.list()).length;
    expectError(await rejected(rt.create({ image: 'busybox', cmd: ['true'], hostConfig })), {
      type: 'InvalidParameter',
      message,
    });
    expect(await rt.list()).toHaveLength(before);
  });

  it('--expose with container:X is refused as Docker refuses it', async () => {
    await rt.create({ image: 'busybox', cmd: ['true'], name: 'peer' });
    expectError(
      await rejected(
        rt.create({
          image: 'busybox',
          cmd: ['true'],
          exposedPorts: ['80/tcp'],
          hostConfig: { NetworkMode: 'container:peer' },
        }),
      ),
      { type: 'InvalidParameter', message: 'conflicting options: port exposing and the container type network mode' },
    );
  });
});

describe('the network step publishes and releases', () => {
  it('a fixed port, -P on the rest, Ports as Docker shows them; a taken port fails with nothing held', async () => {
    const a = await rt.create({
      image: 'busybox',
      cmd: ['true'],
      name: 'pa',
      exposedPorts: ['443/tcp', '53/udp'],
      hostConfig: { PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] }, PublishAllPorts: true },
    });
    await rt.acquire('network', { id: a.Id });
    expect(await ports(a.Id)).toEqual({
      '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }],
      '443/tcp': [{ HostIp: '0.0.0.0', HostPort: '49153' }],
      '53/udp': [{ HostIp: '0.0.0.0', HostPort: '49153' }],
    });
    expect(await heldPorts(a.Id)).toHaveLength(3);

    // 0.0.0.0:8080 overlaps 127.0.0.1:8080
    const b = await rt.create({
      image: 'busybox',
      cmd: ['true'],
      name: 'pb',
      hostConfig: { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] } },
    });
    expectError(await rejected(rt.acquire('network', { id: b.Id })), {
      type: 'StartFailed',
      message: `driver failed programming external connectivity on endpoint pb (${b.Id}): Bind for 0.0.0.0:8080 failed: port is already allocated`,
    });
    await rt.release('release-network', b.Id);
    expect(await heldPorts(b.Id)).toEqual([]);
    expect((await rt.driver.heldResources()).filter((h) => h.containerId === b.Id)).toEqual([]);

    // a retried acquire keeps its ports; release frees them (twice is fine), and b can take 8080
    await rt.acquire('network', { id: a.Id });
    expect(await heldPorts(a.Id)).toHaveLength(3);
    await rt.release('release-network', a.Id);
    await rt.release('release-network', a.Id);
    expect(await heldPorts(a.Id)).toEqual([]);
    expect(await ports(a.Id)).toBeUndefined();
    await rt.acquire('network', { id: b.Id });
    expect(await ports(b.Id)).toEqual({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] });
  });

  it('a host range takes its first free port; none and host publish nothing', async () => {
    const first = await rt.create({
      image: 'busybox',
      cmd: ['true'],
      hostConfig: { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '9000' }] } },
    });
    await rt.acquire('network', { id: first.Id });
    const ranged = await rt.create({
      image: 'busybox',
      cmd: ['true'],
      hostConfig: { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '9000-9002' }] } },
    });
    await rt.acquire('network', { id: ranged.Id });
    expect(await ports(ranged.Id)).toEqual({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '9001' }] });
    for (const NetworkMode of ['none', 'host']) {
      const c = await rt.create({
        image: 'busybox',
        cmd: ['true'],
        hostConfig: { NetworkMode, PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '9000' }] } },
      });
      await rt.acquire('network', { id: c.Id });
      expect(await heldPorts(c.Id)).toEqual([]);
    }
  });
});
