import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { containerResolvConf, HOST_RESOLV_CONF } from '../../runtime/resolv-conf';
import { linkAddresses, NS_NAT_TABLE, uplinkNames } from '../../runtime/drivers/linux/uplink';
import { linuxApiSuite } from '../api-harness';
import { cli } from '../harness';
import { addressesOf, linuxUnavailable, testNetwork } from '../linux-fixture';

// Outbound traffic and the name-resolution files of real containers (runc): a container reaches a TCP server
// this test runs in the host's namespace, through the host-side netns's uplink and its masquerade; --dns,
// --dns-search, --dns-option, --add-host, --hostname and --domainname in /etc/resolv.conf, /etc/hosts and the
// UTS namespace, through our CLI and Docker's (the Engine API); and nothing of the uplink left on the host
// after the teardown. Needs root: without it every test FAILS with the reason.

const NET = testNetwork('e2e/dns-linux');
const UPLINK = uplinkNames(NET.hostNetns);
const LINK = linkAddresses(NET.uplinkSubnet);
const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8' });
const nftTables = () => execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' });

// Registered before the suite, so it runs after the suite's teardown (which deletes the netns and the uplink).
afterAll(async () => {
  if (await linuxUnavailable()) return;
  expect(ip('-o', 'link', 'show')).not.toContain(UPLINK.hostEnd);
  expect(ip('route', 'show')).not.toContain(NET.uplinkSubnet.split('/')[0]);
  expect(nftTables()).not.toContain(UPLINK.hostTable);
});

const suite = linuxApiSuite('cs-e2e-dns', NET);
const rootIt = suite.it;

/** A TCP server in this process, on every address of the host's namespace: it answers and notes who called. */
const callers: string[] = [];
const sockets = new Set<net.Socket>();
let server: net.Server | undefined;
let port = 0;
beforeAll(async () => {
  server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    callers.push(s.remoteAddress ?? '');
    s.end('pong\n');
  });
  await new Promise<void>((resolve) => server!.listen(0, '0.0.0.0', resolve));
  port = (server.address() as net.AddressInfo).port;
});
// a caller whose netns is gone never closes its end: close the server's ends, then the server
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

const runCli = async (args: string[]) => {
  const r = await cli(suite.w, ['run', '--rm', ...args]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return r.stdout;
};

describe('outbound traffic (Linux driver)', () => {
  rootIt(
    "a container reaches a server in the host's namespace, seen from the link's netns end (masqueraded)",
    async () => {
      callers.length = 0;
      const out = await runCli(['busybox', 'sh', '-c', `echo ping | nc -w 5 ${LINK.hostEnd} ${port}`]);
      expect(out).toBe('pong\n');
      expect(callers).toEqual([LINK.nsEnd]);
      // the uplink is in the host's namespace, the container subnet is not
      expect(ip('-o', 'addr', 'show', 'dev', UPLINK.hostEnd)).toContain(`${LINK.hostEnd}/30`);
      expect(ip('route', 'show')).not.toContain(NET.subnet.split('/')[0]);
      expect(nftTables()).toContain(UPLINK.hostTable);
      expect(ip('-n', NET.hostNetns, 'route', 'show', 'default')).toContain(`via ${LINK.hostEnd} dev uplink0`);
      expect(
        execFileSync('ip', ['netns', 'exec', NET.hostNetns, 'nft', 'list', 'tables'], { encoding: 'utf8' }),
      ).toContain(NS_NAT_TABLE);
    },
  );
});

describe('resolv.conf, hosts and hostname (Linux driver)', () => {
  const SCRIPT = 'cat /etc/resolv.conf; echo ---; cat /etc/hosts; echo ---; hostname; cat /proc/sys/kernel/domainname';
  const FLAGS = [
    ...['--dns', '192.0.2.53', '--dns', '192.0.2.54', '--dns-search', 'corp.example', '--dns-option', 'ndots:3'],
    ...['--add-host', 'api:192.0.2.9', '--add-host', 'gw:host-gateway'],
    ...['--hostname', 'web', '--domainname', 'example.com'],
  ];

  /** The three parts of SCRIPT's output, and the container's own address and gateway seen inside. */
  const parts = (out: string) => {
    const [resolv, hosts, uts] = out.split('---\n') as [string, string, string];
    return { resolv, hosts: hosts.trimEnd().split('\n'), uts: uts.trimEnd().split('\n') };
  };

  const expectFlagsApplied = (out: string) => {
    const { resolv, hosts, uts } = parts(out);
    expect(resolv).toMatch(
      /^nameserver 192\.0\.2\.53\nnameserver 192\.0\.2\.54\nsearch corp\.example\noptions ndots:3\n/,
    );
    expect(resolv).toContain('# Overrides: [nameservers search options]\n');
    const { gateway } = addressesOf(NET.subnet);
    expect(hosts.slice(6, 8)).toEqual(['192.0.2.9\tapi', `${gateway}\tgw`]);
    expect(hosts[8]).toMatch(/^10\.142\.\d+\.\d+\tweb\.example\.com web$/);
    expect(uts).toEqual(['web', 'example.com']);
  };

  rootIt(
    'our CLI: --dns, --dns-search, --dns-option, --add-host (host-gateway), --hostname, --domainname',
    async () => {
      expectFlagsApplied(await runCli([...FLAGS, 'busybox', 'sh', '-c', SCRIPT]));
    },
  );

  rootIt("no flags: the host's file filtered as Docker does; --network host: the host's file as it is", async () => {
    const host = await readFile(HOST_RESOLV_CONF, 'utf8').catch(() => undefined);
    const none = { servers: [], search: [], options: [] };
    expect(await runCli(['busybox', 'cat', '/etc/resolv.conf'])).toBe(containerResolvConf(host, none, false));
    expect(await runCli(['--network', 'none', 'busybox', 'cat', '/etc/resolv.conf'])).toBe(
      containerResolvConf(host, none, false),
    );
    expect(await runCli(['--network', 'host', 'busybox', 'cat', '/etc/resolv.conf'])).toBe(host ?? '');
  });

  rootIt("Docker's CLI through the Engine API: the same files, and inspect shows the settings", async () => {
    const created = await suite.docker(['create', '--name', 'dns-api', ...FLAGS, 'busybox', 'sh', '-c', SCRIPT]);
    expect(created.code, created.stderr).toBe(0);
    const inspected = await suite.docker([
      'inspect',
      '--format',
      '{{json .HostConfig}} {{.Config.Domainname}}',
      'dns-api',
    ]);
    const [hc, domain] = inspected.stdout.trim().split(' ') as [string, string];
    expect(JSON.parse(hc)).toMatchObject({
      Dns: ['192.0.2.53', '192.0.2.54'],
      DnsSearch: ['corp.example'],
      DnsOptions: ['ndots:3'],
      ExtraHosts: ['api:192.0.2.9', 'gw:host-gateway'],
    });
    expect(domain).toBe('example.com');
    const started = await suite.docker(['start', '-a', 'dns-api']);
    expect(started.code, started.stderr).toBe(0);
    expectFlagsApplied(started.stdout);
    expect((await suite.docker(['rm', 'dns-api'])).code).toBe(0);
  });
});
