/**
 * The published ports' proxies alone (runtime/drivers/linux/ports.ts, no Temporal, no container): a netns of
 * the test's own with echo servers on its loopback stands for the project's netns and a container's address.
 * TCP and UDP forwarding, adoption of a complete earlier publish, redoing a changed or partial one, a host
 * port range, a taken port, and idempotent release. Needs root and socat: without them every test FAILS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { PortRequest } from '../../common/ports';
import { ContainerError } from '../../common/errors';
import { Layout } from '../../runtime/drivers/layout';
import { markedProxies, startProxy } from '../../runtime/drivers/linux/port-proxy';
import { isLive } from '../../runtime/drivers/linux/shim';
import { heldPorts, publishPorts, unpublishPorts } from '../../runtime/drivers/linux/ports';
import { deleteNetns, ensureNetns } from '../../runtime/drivers/linux/netns';
import { linuxUnavailable, rootTest } from '../linux-fixture';

const NS = 'cs-pproxy-test';
const ID = 'e'.repeat(63) + '1';
let unavailable: string | undefined;
const rootIt = rootTest(() => unavailable);
let l: Layout;
const servers: ChildProcess[] = [];

const tcp = (hostPorts: [number, number], hostIp = '127.0.0.1'): PortRequest => ({
  key: '7000/tcp',
  port: 7000,
  proto: 'tcp',
  hostIp,
  hostPorts,
});
const udp: PortRequest = { key: '7001/udp', port: 7001, proto: 'udp', hostIp: '127.0.0.1', hostPorts: [0, 0] };

function tcpAsk(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let out = '';
    s.on('data', (d) => (out += d.toString()));
    s.on('end', () => resolve(out));
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    s.end('ping\n');
  });
}

function udpAsk(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const timer = setTimeout(() => (s.close(), resolve('timeout')), 3000);
    s.on('message', (m) => (clearTimeout(timer), s.close(), resolve(m.toString())));
    s.send('ping\n', port, '127.0.0.1');
  });
}

async function holdPort(): Promise<net.Server> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen({ host: '127.0.0.1', port: 0 }, r));
  return s;
}

describe('port proxies (socat into a netns)', () => {
  beforeAll(async () => {
    unavailable = await linuxUnavailable();
    if (unavailable) return;
    l = new Layout(await fs.mkdtemp('/tmp/cs-pproxy-'));
    await fs.mkdir(l.container(ID), { recursive: true });
    await ensureNetns(NS, { reassertLo: true });
    for (const addr of ['TCP4-LISTEN:7000,reuseaddr,fork', 'UDP4-RECVFROM:7001,fork'])
      servers.push(
        spawn('ip', ['netns', 'exec', NS, 'socat', addr, 'SYSTEM:read l; echo got-$l'], { stdio: 'ignore' }),
      );
    await new Promise((r) => setTimeout(r, 300));
  });

  afterAll(async () => {
    if (unavailable) return;
    await unpublishPorts(l, ID);
    for (const s of servers) s.kill();
    await deleteNetns(NS);
    await fs.rm(l.root, { recursive: true, force: true });
  });

  rootIt('TCP and UDP forward; a complete publish is adopted, a changed or partial one redone', async () => {
    const first = await publishPorts(l, NS, ID, '127.0.0.1', [tcp([0, 0]), udp]);
    expect(first.map((p) => [p.key, p.HostIp])).toEqual([
      ['7000/tcp', '127.0.0.1'],
      ['7001/udp', '127.0.0.1'],
    ]);
    expect(await tcpAsk(Number(first[0]!.HostPort))).toBe('got-ping\n');
    expect(await udpAsk(Number(first[1]!.HostPort))).toBe('got-ping\n');
    const pids = (await markedProxies(ID)).map((p) => p.pid).sort();
    expect(pids).toHaveLength(2);
    expect((await heldPorts(l, [ID])).map((h) => h.kind)).toEqual(['port', 'port']);

    // the same again (a retried step): the very proxies
    expect(await publishPorts(l, NS, ID, '127.0.0.1', [tcp([0, 0]), udp])).toEqual(first);
    expect((await markedProxies(ID)).map((p) => p.pid).sort()).toEqual(pids);

    // one proxy gone (a partial earlier attempt): everything redone, the survivor stopped first
    process.kill(pids[0]!, 'SIGKILL');
    while (await isLive(pids[0])) await new Promise((r) => setTimeout(r, 10));
    const again = await publishPorts(l, NS, ID, '127.0.0.1', [tcp([0, 0]), udp]);
    const after = (await markedProxies(ID)).map((p) => p.pid);
    expect(after).toHaveLength(2);
    expect(after.some((p) => pids.includes(p))).toBe(false);
    expect(await tcpAsk(Number(again[0]!.HostPort))).toBe('got-ping\n');

    // another container address (a new CNI ADD): redone, to the new address
    const moved = await publishPorts(l, NS, ID, '127.0.0.2', [tcp([0, 0]), udp]);
    expect((await markedProxies(ID)).some((p) => after.includes(p.pid))).toBe(false);
    expect(await tcpAsk(Number(moved[0]!.HostPort))).toBe('got-ping\n');

    await unpublishPorts(l, ID);
    await unpublishPorts(l, ID); // idempotent
    expect(await markedProxies(ID)).toEqual([]);
    expect(await heldPorts(l, [ID])).toEqual([]);
    expect(await tcpAsk(Number(moved[0]!.HostPort))).toBe('ECONNREFUSED');
  });

  rootIt("a range takes its first free port; a taken port is Docker's error and leaves nothing", async () => {
    const held = await holdPort();
    const taken = (held.address() as net.AddressInfo).port;
    try {
      const [p] = await publishPorts(l, NS, ID, '127.0.0.1', [tcp([taken, taken + 1])]);
      expect(p!.HostPort).toBe(String(taken + 1));
      await unpublishPorts(l, ID);

      const err = await publishPorts(l, NS, ID, '127.0.0.1', [tcp([0, 0]), tcp([taken, taken])]).catch((e) => e);
      expect(err).toBeInstanceOf(ContainerError);
      expect([err.type, err.message]).toEqual([
        'StartFailed',
        `Bind for 127.0.0.1:${taken} failed: port is already allocated`,
      ]);
      // the first proxy, started before the taken port was met, is stopped again
      expect(await markedProxies(ID)).toEqual([]);
    } finally {
      held.close();
    }
  });

  rootIt(
    "an address the host lacks is Docker's userland-proxy error; an unrecorded proxy is still released",
    async () => {
      const err = await publishPorts(l, NS, ID, '127.0.0.1', [tcp([0, 0], '192.0.2.1')]).catch((e) => e);
      expect([err.type, err.message]).toEqual([
        'StartFailed',
        'Error starting userland proxy: listen tcp4 192.0.2.1:0: bind: cannot assign requested address',
      ]);
      // a proxy whose record a dying worker never wrote: found by its mark
      await startProxy(ID, NS, '127.0.0.1', tcp([0, 0]), l.portsLog(ID));
      expect(await markedProxies(ID)).toHaveLength(1);
      await unpublishPorts(l, ID);
      expect(await markedProxies(ID)).toEqual([]);
    },
  );
});
