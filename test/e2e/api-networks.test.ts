import { describe, expect, it } from 'vitest';
import { docker, simulatedApiSuite } from '../api-harness';

// The networks API end to end over the simulated driver: Debian's docker client against the API socket, an
// in-process worker on this file's own task queue. Docker's JSON, status codes and messages; bad input changes
// nothing (the listing is the same after it).

const suite = simulatedApiSuite('api-net');
const dk = (...args: string[]) => docker(suite.api, args);

async function ok(...args: string[]): Promise<string> {
  const r = await dk(...args);
  expect(r.code, `docker ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

async function fails(args: string[], message: RegExp): Promise<void> {
  const r = await dk(...args);
  expect(r.code, `docker ${args.join(' ')}: ${r.stdout}`).not.toBe(0);
  expect(r.stderr).toMatch(message);
}

const names = async () => (await ok('network', 'ls', '--format', '{{.Name}}')).trim().split('\n').sort();

describe('docker network over the API (simulated)', () => {
  it('create, ls with filters, inspect with its containers, connect, disconnect, rm', async () => {
    const id = (await ok('network', 'create', '--subnet', '10.150.0.0/24', '--label', 'app=web', 'front')).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(await names()).toEqual(['bridge', 'front', 'host', 'none']);
    expect((await ok('network', 'ls', '-q', '--filter', 'type=custom', '--no-trunc')).trim()).toBe(id);
    expect((await ok('network', 'ls', '--filter', 'label=app=web', '--format', '{{.Name}} {{.Driver}}')).trim()).toBe(
      'front bridge',
    );
    expect((await ok('network', 'ls', '--filter', 'dangling=true', '--format', '{{.Name}}')).trim()).toBe('front');

    await ok(
      'run',
      '-d',
      '--name',
      'n1',
      '--network',
      'front',
      '--network-alias',
      'api',
      '--ip',
      '10.150.0.20',
      'busybox',
      'sleep',
      '600',
    );
    const [net] = JSON.parse(await ok('network', 'inspect', 'front'));
    expect(net.IPAM.Config).toEqual([{ Subnet: '10.150.0.0/24', Gateway: '10.150.0.1' }]);
    expect(net.Labels).toEqual({ app: 'web' });
    const c1 = Object.values(net.Containers) as Array<Record<string, string>>;
    expect(c1).toEqual([expect.objectContaining({ Name: 'n1', IPv4Address: '10.150.0.20/24', IPv6Address: '' })]);
    const ep = JSON.parse(await ok('inspect', '--format', '{{json .NetworkSettings.Networks}}', 'n1'));
    // the short ID among the aliases: Docker's for API versions before 1.45 (Compose 1.x reads it there)
    const short = (await ok('inspect', '--format', '{{.Id}}', 'n1')).trim().slice(0, 12);
    expect(ep.front).toMatchObject({ IPAddress: '10.150.0.20', Aliases: ['api', short], NetworkID: id });
    expect((await ok('network', 'ls', '--filter', 'dangling=true', '--format', '{{.Name}}')).trim()).toBe('');

    // rm refused while a running container is on it; predefined ones never
    await fails(
      ['network', 'rm', 'front'],
      /error while removing network: network front id [0-9a-f]{64} has active endpoints/,
    );
    await fails(['network', 'rm', 'bridge'], /bridge is a pre-defined network and cannot be removed/);

    // connect a running container to a second network, and to one it is on already
    await ok('network', 'create', 'back');
    await ok('network', 'connect', '--alias', 'db', 'back', 'n1');
    const both = JSON.parse(await ok('inspect', '--format', '{{json .NetworkSettings.Networks}}', 'n1'));
    expect(Object.keys(both).sort()).toEqual(['back', 'front']);
    expect(both.back.IPAddress).not.toBe('');
    expect(both.back.Aliases).toEqual(['db', short]);
    await fails(['network', 'connect', 'back', 'n1'], /endpoint with name n1 already exists in network back/);
    await fails(['network', 'connect', '--ip', '10.99.0.9', 'front', 'n1'], /already exists|subnet/);

    await ok('network', 'disconnect', 'back', 'n1');
    expect(
      Object.keys(JSON.parse(await ok('inspect', '--format', '{{json .NetworkSettings.Networks}}', 'n1'))),
    ).toEqual(['front']);
    await fails(['network', 'disconnect', 'back', 'n1'], /is not connected to network back/);
    expect(Object.keys(JSON.parse(await ok('network', 'inspect', 'back'))[0].Containers)).toEqual([]);

    await ok('rm', '-f', 'n1');
    await ok('network', 'rm', 'front', 'back');
    expect(await names()).toEqual(['bridge', 'host', 'none']);
  });

  it('a stopped container: connect is kept for its next start, disconnect drops it', async () => {
    await ok('network', 'create', '--subnet', '10.151.0.0/24', 'later');
    await ok('create', '--name', 'n2', 'busybox', 'sleep', '600');
    await ok('network', 'connect', '--ip', '10.151.0.7', 'later', 'n2');
    const eps = JSON.parse(await ok('inspect', '--format', '{{json .NetworkSettings.Networks}}', 'n2'));
    expect(eps.later).toMatchObject({ IPAMConfig: { IPv4Address: '10.151.0.7' }, IPAddress: '' });
    expect(Object.keys(eps).sort()).toEqual(['bridge', 'later']);
    await ok('start', 'n2');
    const running = JSON.parse(await ok('inspect', '--format', '{{json .NetworkSettings.Networks}}', 'n2'));
    expect(running.later.IPAddress).toBe('10.151.0.7');
    expect(running.bridge.IPAddress).not.toBe('');
    await ok('stop', '-t', '0', 'n2');
    await ok('network', 'disconnect', 'later', 'n2');
    expect(
      Object.keys(JSON.parse(await ok('inspect', '--format', '{{json .NetworkSettings.Networks}}', 'n2'))),
    ).toEqual(['bridge']);
    // a network no running container is on is removed though a stopped container named it (Docker's way)
    await ok('network', 'connect', 'later', 'n2');
    await ok('network', 'rm', 'later');
    await ok('rm', 'n2');
  });

  it('bad input is refused with Docker messages and changes nothing', async () => {
    await ok('network', 'create', '--subnet', '10.152.0.0/16', 'taken');
    const before = await names();
    await fails(
      ['network', 'create', '--subnet', '10.152.1.0/24', 'overlap'],
      /Pool overlaps with other one on this address space/,
    );
    await fails(['network', 'create', '--subnet', '10.152.0.0/33', 'badcidr'], /invalid CIDR address: 10.152.0.0\/33/);
    await fails(
      ['network', 'create', '--subnet', '10.153.0.0/24', '--gateway', '10.154.0.1', 'gw'],
      /no matching subnet for gateway 10.154.0.1/,
    );
    await fails(['network', 'create', 'taken'], /network with name taken already exists/);
    await fails(['network', 'create', '-d', 'overlay', 'ov'], /plugin "overlay" not found/);
    await fails(['network', 'inspect', 'nosuch'], /No such network: nosuch/);
    await fails(['network', 'rm', 'nosuch'], /No such network: nosuch|network nosuch not found/);
    await fails(['network', 'ls', '--filter', 'type=odd'], /invalid filter/);
    await fails(
      ['run', '-d', '--network', 'taken', '--ip', '10.160.0.5', 'busybox', 'true'],
      /no configured subnet or ip-range contain the IP address 10.160.0.5/,
    );
    await ok('create', '--name', 'plain', 'busybox', 'true');
    await fails(
      ['network', 'connect', '--alias', 'x', 'bridge', 'plain'],
      /network-scoped alias is supported only for containers in user defined networks/,
    );
    await fails(['network', 'connect', 'bridge', 'plain'], /endpoint with name plain already exists in network bridge/);
    await fails(
      ['network', 'connect', 'host', 'plain'],
      /container cannot be disconnected from host network or connected to host network/,
    );
    await fails(['network', 'connect', 'taken', 'nosuchcontainer'], /No such container: nosuchcontainer/);
    await ok('rm', 'plain');
    await ok('create', '--name', 'shared', '--network', 'host', 'busybox', 'true');
    await fails(
      ['network', 'connect', 'taken', 'shared'],
      /container sharing network namespace with another container or host cannot be connected to any other network/,
    );
    await ok('rm', 'shared');
    expect(await names()).toEqual(before);
    expect((await ok('ps', '-aq')).trim()).toBe('');
  });

  it('prune removes unused user networks (label filters) and emits network events', async () => {
    await ok('network', 'create', '--label', 'keep=1', 'kept');
    await ok('network', 'create', 'gone1');
    const out = await ok('network', 'prune', '-f', '--filter', 'label!=keep');
    expect(out).toMatch(/Deleted Networks:\s*\n(gone1|taken)\n/);
    expect(await names()).toEqual(['bridge', 'host', 'kept', 'none']);
    const ev = await ok(
      'events',
      '--since',
      '0',
      '--until',
      String(Math.ceil(Date.now() / 1000) + 1),
      '--filter',
      'type=network',
      '--format',
      '{{.Action}} {{.Actor.Attributes.name}}',
    );
    expect(ev).toMatch(/^create kept$/m);
    expect(ev).toMatch(/^destroy gone1$/m);
    expect(ev).toMatch(/^connect later$/m);
    expect(ev).toMatch(/^disconnect back$/m);
    await ok('network', 'rm', 'kept');
  });
});
