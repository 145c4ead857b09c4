import http from 'node:http';
import net from 'node:net';
import { describe, expect } from 'vitest';
import { inspect, remove, startContainer, stop } from '../../client/api';
import { leaksOf } from '../../runtime/drivers/linux/probe';
import { markedProxies } from '../../runtime/drivers/linux/port-proxy';
import { planNetwork } from '../../networks/create';
import { cli, until } from '../harness';
import { linuxSuite, testNetwork } from '../linux-fixture';

// Published ports of real containers: a socat proxy per binding on the host's loopback, forwarding into the
// project's netns. Needs root and socat: without them every test FAILS with the reason.

const NET = testNetwork('e2e/ports-linux');
const suite = linuxSuite('cs-e2e-ports', NET);
const rootIt = suite.it;

/** busybox httpd answering "hello NAME" on 8080 */
const server = (name: string) => [
  'sh',
  '-c',
  `mkdir -p /www && echo hello ${name} > /www/index.html && exec httpd -f -p 8080 -h /www`,
];

/** The body of GET http://host:port/index.html, or the error's code (ECONNREFUSED…). */
function get(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: '/index.html', timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
      res.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
  });
}

const answers = (port: number, body: string) =>
  until(`127.0.0.1:${port} to answer`, async () => ((await get(port)) === body ? true : undefined), 15_000, 100);

/** A port free on loopback now (the kernel's pick). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen({ host: '127.0.0.1', port: 0 }, r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Whether 127.0.0.1:port can be bound (nothing holds it). */
async function bindable(port: number): Promise<boolean> {
  const s = net.createServer();
  const ok = await new Promise<boolean>((r) => {
    s.once('error', () => r(false));
    s.listen({ host: '127.0.0.1', port, exclusive: true }, () => r(true));
  });
  if (ok) await new Promise<void>((r) => s.close(() => r()));
  return ok;
}

describe('published ports (Linux driver, socat proxies)', () => {
  rootIt('-p 127.0.0.1::8080 answers on an ephemeral loopback port; port, inspect and ps show it', async () => {
    const r = await cli(suite.w, [
      'run',
      '-d',
      '--name',
      'web1',
      '-p',
      '127.0.0.1::8080',
      'busybox',
      ...server('web1'),
    ]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const id = r.stdout.trim();
    const rec = await inspect(suite.w.session, id);
    const bound = rec.NetworkSettings.Ports?.['8080/tcp'];
    expect(bound).toEqual([{ HostIp: '127.0.0.1', HostPort: expect.stringMatching(/^\d+$/) }]);
    expect(rec.HostConfig.PortBindings).toEqual({ '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    expect(rec.Config.ExposedPorts).toEqual({ '8080/tcp': {} });
    const port = Number(bound![0]!.HostPort);
    await answers(port, 'hello web1\n');

    const p = await cli(suite.w, ['port', 'web1']);
    expect([p.code, p.stdout]).toEqual([0, `8080/tcp -> 127.0.0.1:${port}\n`]);
    expect((await cli(suite.w, ['port', 'web1', '8080'])).stdout).toBe(`127.0.0.1:${port}\n`);
    const none = await cli(suite.w, ['port', 'web1', '9/udp']);
    expect([none.code, none.stderr]).toEqual([1, "Error: No public port '9/udp' published for web1\n"]);
    expect((await cli(suite.w, ['ps'])).stdout).toContain(`127.0.0.1:${port}->8080/tcp`);
    const held = (await suite.rt.driver.heldResources()).filter((h) => h.containerId === id && h.kind === 'port');
    expect(held).toHaveLength(1);

    // the process ends on its own (kill): the monitor's cleanup releases the port with the network
    expect((await cli(suite.w, ['kill', 'web1'])).code).toBe(0);
    await until('the proxy of web1 to go', async () => ((await markedProxies(id)).length === 0 ? true : undefined));
    expect(await get(port)).toBe('ECONNREFUSED');
    // then the network, and the record's settings are cleared
    await until('the ports of web1 to be cleared', async () =>
      (await inspect(suite.w.session, id)).NetworkSettings.Ports === undefined ? true : undefined,
    );
    await remove(suite.w.session, id, true);
    expect(await leaksOf(suite.rt.root, id)).toEqual([]);
  });

  rootIt(
    "a fixed port: taken → Docker's error and nothing held; stop frees it; start binds it again; rm leaves no proxy",
    async () => {
      const port = await freePort();
      const a = await cli(suite.w, [
        'run',
        '-d',
        '--name',
        'web2',
        '-p',
        `127.0.0.1:${port}:8080`,
        'busybox',
        ...server('web2'),
      ]);
      expect(a.code).toBe(0);
      const id = a.stdout.trim();
      await answers(port, 'hello web2\n');

      const b = await cli(suite.w, [
        'run',
        '-d',
        '--name',
        'web3',
        '-p',
        `127.0.0.1:${port}:8080`,
        'busybox',
        ...server('web3'),
      ]);
      expect(b.code).not.toBe(0);
      expect(b.stderr).toMatch(
        new RegExp(
          `^Error response from daemon: driver failed programming external connectivity on endpoint web3 \\([0-9a-f]{64}\\): Bind for 127\\.0\\.0\\.1:${port} failed: port is already allocated\\n`,
        ),
      );
      const other = await inspect(suite.w.session, 'web3');
      expect(other.State.Running).toBe(false);
      expect(other.NetworkSettings.IPAddress).toBe('');
      expect(await leaksOf(suite.rt.root, other.Id)).toEqual([]);
      expect(await get(port)).toBe('hello web2\n'); // the holder is untouched

      await stop(suite.w.session, id, 5);
      expect(await bindable(port)).toBe(true);
      expect((await inspect(suite.w.session, id)).NetworkSettings.Ports).toBeUndefined();
      expect(await markedProxies(id)).toEqual([]);

      await startContainer(suite.w.session, id);
      await answers(port, 'hello web2\n');
      const restarted = await cli(suite.w, ['restart', '-t', '1', 'web2']);
      expect(restarted.code).toBe(0);
      await answers(port, 'hello web2\n');

      await remove(suite.w.session, id, true);
      await remove(suite.w.session, other.Id, true);
      expect(await bindable(port)).toBe(true);
      expect([...(await leaksOf(suite.rt.root, id)), ...(await markedProxies(id))]).toEqual([]);
    },
  );

  rootIt("-P publishes --expose'd ports on ephemeral ports of every address", async () => {
    const r = await cli(suite.w, [
      'run',
      '-d',
      '--name',
      'web4',
      '--expose',
      '8080',
      '--expose',
      '9000/udp',
      '-P',
      'busybox',
      ...server('web4'),
    ]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const id = r.stdout.trim();
    const ports = (await inspect(suite.w.session, id)).NetworkSettings.Ports!;
    expect(Object.keys(ports).sort()).toEqual(['8080/tcp', '9000/udp']);
    expect(ports['8080/tcp']).toEqual([{ HostIp: '0.0.0.0', HostPort: expect.stringMatching(/^\d+$/) }]);
    await answers(Number(ports['8080/tcp']![0]!.HostPort), 'hello web4\n');
    await remove(suite.w.session, id, true);
    expect(await leaksOf(suite.rt.root, id)).toEqual([]);
  });

  rootIt('a container on a user-defined network publishes to its address there', async () => {
    // a subnet of this file's own (10.141.0.0/16 is this test set's; the durability file's bridge is in another netns)
    const req = { Name: 'pnet', IPAM: { Config: [{ Subnet: '10.141.0.0/24' }] } };
    await suite.rt.networks.add((existing) => planNetwork(req, existing, []));
    const r = await cli(suite.w, [
      'run',
      '-d',
      '--name',
      'web5',
      '--network',
      'pnet',
      '-p',
      '127.0.0.1::8080',
      'busybox',
      ...server('web5'),
    ]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const id = r.stdout.trim();
    const rec = await inspect(suite.w.session, id);
    expect(rec.NetworkSettings.Networks?.pnet?.IPAddress).toMatch(/^10\.141\.0\./);
    await answers(Number(rec.NetworkSettings.Ports!['8080/tcp']![0]!.HostPort), 'hello web5\n');
    await remove(suite.w.session, id, true);
    expect(await leaksOf(suite.rt.root, id)).toEqual([]);
  });

  rootIt("bad input changes nothing: nat's messages, container:X refuses publishing", async () => {
    const bad = await cli(suite.w, ['create', '-p', '65536:80', 'busybox']);
    expect([bad.code, bad.stderr]).toEqual([
      125,
      "container-saga: invalid hostPort: 65536. See 'container-saga create --help'.\n",
    ]);
    const proto = await cli(suite.w, ['create', '-p', '80/sctpx', 'busybox']);
    expect(proto.stderr).toMatch(/^container-saga: invalid proto: sctpx\./);
    const peer = await cli(suite.w, ['create', '--name', 'peer', 'busybox', 'sleep', '100']);
    expect(peer.code).toBe(0);
    const conflict = await cli(suite.w, ['create', '--network', 'container:peer', '-p', '80', 'busybox']);
    expect(conflict.stderr).toBe(
      'Error response from daemon: conflicting options: port publishing and the container type network mode\n',
    );
    await remove(suite.w.session, 'peer', true);
  });
});
