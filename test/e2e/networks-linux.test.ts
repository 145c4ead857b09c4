import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect } from 'vitest';
import { parseRoutes } from '../../networks/host-routes';
import { run as runTool } from '../../runtime/drivers/linux/exec';
import { linuxApiSuite } from '../api-harness';
import { testNetwork } from '../linux-fixture';
import { promises as fs } from 'node:fs';

// User-defined networks on the Linux driver, driven by Docker's own client through the Engine API: two
// containers on one network reach each other, the default bridge and another network cannot (the isolation
// table), connect gives a running container an eth1 on the second network and disconnect takes it away, rm
// is refused while in use and then leaves no bridge and no IPAM directory. Bad input changes nothing. Needs
// root; its own host netns and default bridge (10.145.0.0/16), user networks in 10.146.0.0/16.

const NET = testNetwork('e2e/networks-linux');
const suite = linuxApiSuite('cs-net-linux', NET);
const rootIt = suite.it;
const dk = (...args: string[]) => suite.docker(args);

async function ok(...args: string[]): Promise<string> {
  const r = await dk(...args);
  expect(r.code, `docker ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout.trim();
}

async function refused(args: string[], message: RegExp): Promise<void> {
  const r = await dk(...args);
  expect(r.code, `docker ${args.join(' ')}: ${r.stdout}`).not.toBe(0);
  expect(r.stderr).toMatch(message);
}

/** Whether `from` reaches `ip` (one ping, one second). */
async function reaches(from: string, ip: string): Promise<boolean> {
  const r = await dk('exec', from, 'ping', '-c1', '-W1', ip);
  return r.code === 0;
}

const ipOn = async (container: string, network: string) =>
  ok('inspect', '--format', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, container);

/** The devices of the project's host-side netns. */
async function hostLinks(): Promise<string> {
  const r = await runTool('ip', ['-n', NET.hostNetns, 'link', 'show']);
  return r.stdout;
}

/** The networks' bridges in the host-side netns (a veth of a container going away meanwhile is no concern here). */
async function hostBridges(): Promise<string[]> {
  return [...(await hostLinks()).matchAll(/^\d+: (br-[0-9a-f]+)[:@]/gm)].map((m) => m[1]!).sort();
}

const ipamDir = (id: string) => path.join(suite.rt.driver.layout.ipamDir, `cs-${id.slice(0, 12)}`);

describe('user-defined networks (Linux driver, docker CLI)', () => {
  rootIt(
    'reach within a network, isolation from the others, connect/disconnect live, rm only when unused',
    async () => {
      const aId = await ok('network', 'create', '--subnet', '10.146.1.0/24', 'neta');
      await ok('run', '-d', '--name', 'a1', '--network', 'neta', 'busybox', 'sleep', '600');
      await ok('run', '-d', '--name', 'a2', '--network', 'neta', '--ip', '10.146.1.50', 'busybox', 'sleep', '600');
      await ok('run', '-d', '--name', 'plain', 'busybox', 'sleep', '600');
      expect(await ipOn('a2', 'neta')).toBe('10.146.1.50');
      expect(await hostLinks()).toContain(`br-${aId.slice(0, 12)}`);
      expect(existsSync(ipamDir(aId))).toBe(true);

      // one network: reachable both ways; the default bridge and the network: kept apart both ways
      expect(await reaches('a1', '10.146.1.50')).toBe(true);
      expect(await reaches('a2', await ipOn('a1', 'neta'))).toBe(true);
      const plainIp = await ipOn('plain', 'bridge');
      expect(plainIp).toMatch(/^10\.145\./);
      expect(await reaches('plain', '10.146.1.50')).toBe(false);
      expect(await reaches('a1', plainIp)).toBe(false);

      // a second network: not reachable from a1 until a1 is connected to it (eth1), then again not
      const bId = await ok('network', 'create', '--subnet', '10.146.2.0/24', 'netb');
      await ok('run', '-d', '--name', 'b1', '--network', 'netb', 'busybox', 'sleep', '600');
      const b1Ip = await ipOn('b1', 'netb');
      expect(await reaches('a1', b1Ip)).toBe(false);
      await ok('network', 'connect', '--ip', '10.146.2.77', 'netb', 'a1');
      expect(await ipOn('a1', 'netb')).toBe('10.146.2.77');
      expect(await ok('exec', 'a1', 'ip', '-4', '-o', 'addr', 'show', 'eth1')).toContain('10.146.2.77/24');
      expect(await reaches('a1', b1Ip)).toBe(true);
      expect(await reaches('b1', '10.146.2.77')).toBe(true);
      const [netb] = JSON.parse(await ok('network', 'inspect', 'netb'));
      expect(
        Object.values(netb.Containers)
          .map((c) => (c as { Name: string }).Name)
          .sort(),
      ).toEqual(['a1', 'b1']);

      await ok('network', 'disconnect', 'netb', 'a1');
      expect((await dk('exec', 'a1', 'ip', 'link', 'show', 'eth1')).code).not.toBe(0);
      expect(await reaches('a1', b1Ip)).toBe(false);
      expect(await reaches('a1', '10.146.1.50')).toBe(true);

      // rm: refused while a running container is on it, then no bridge and no IPAM directory are left
      await refused(
        ['network', 'rm', 'neta'],
        /error while removing network: network neta id [0-9a-f]{64} has active endpoints/,
      );
      await ok('rm', '-f', 'a1', 'a2');
      await ok('network', 'rm', 'neta');
      expect(await hostLinks()).not.toContain(`br-${aId.slice(0, 12)}`);
      expect(existsSync(ipamDir(aId))).toBe(false);

      await ok('rm', '-f', 'b1', 'plain');
      expect(await ok('network', 'prune', '-f')).toContain('netb');
      expect(await hostLinks()).not.toContain(`br-${bId.slice(0, 12)}`);
      expect(existsSync(ipamDir(bId))).toBe(false);
    },
    180_000,
  );

  rootIt("bad input: Docker's errors, and nothing made", async () => {
    await ok('network', 'create', '--subnet', '10.146.8.0/22', 'held');
    const before = await ok('network', 'ls', '--format', '{{.ID}} {{.Name}}');
    const bridges = await hostBridges();
    const route = parseRoutes(await fs.readFile('/proc/net/route', 'utf8'))[0];
    expect(route, 'this machine has a route besides the default one').toBeDefined();
    const routed = `${[route!.base >>> 24, (route!.base >>> 16) & 255, (route!.base >>> 8) & 255, route!.base & 255].join('.')}/${route!.prefix}`;
    await refused(
      ['network', 'create', '--subnet', '10.146.9.0/24', 'over'],
      /Pool overlaps with other one on this address space/,
    );
    await refused(['network', 'create', '--subnet', routed, 'routed'], /conflicts with the host's route/);
    await refused(
      ['network', 'create', '--subnet', '10.146.300.0/24', 'bad'],
      /invalid CIDR address: 10.146.300.0\/24/,
    );
    await refused(
      ['network', 'create', '--subnet', '10.146.20.0/24', '--gateway', '10.146.21.1', 'gw'],
      /no matching subnet for gateway 10.146.21.1/,
    );
    await refused(['network', 'create', 'held'], /network with name held already exists/);
    await refused(
      ['run', '-d', '--name', 'outside', '--network', 'held', '--ip', '10.146.30.5', 'busybox', 'sleep', '60'],
      /no configured subnet or ip-range contain the IP address 10.146.30.5/,
    );
    expect(await ok('network', 'ls', '--format', '{{.ID}} {{.Name}}')).toBe(before);
    expect(await hostBridges()).toEqual(bridges);
    expect(await ok('ps', '-aq')).toBe('');
    await ok('network', 'rm', 'held');
  });
});
