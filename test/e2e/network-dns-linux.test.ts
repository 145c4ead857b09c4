import { describe, expect } from 'vitest';
import { planNetwork } from '../../networks/create';
import { linuxApiSuite } from '../api-harness';
import { testNetwork } from '../linux-fixture';

// User-defined networks on real containers, driven by Docker's CLI through our Engine API: each network its own
// bridge and subnet in the host-side netns, names resolved between its containers through their /etc/hosts
// (kept by runtime/peer-hosts.ts), none on the default bridge, and no traffic between networks. The networks are
// made in the host's store here (the network verbs are tested with their API). Needs root: else every test FAILS.

const NET = testNetwork('e2e/network-dns-linux');
const suite = linuxApiSuite('cs-e2e-dns', NET);
const rootIt = suite.it;

async function ok(args: string[]): Promise<string> {
  const r = await suite.docker(args);
  expect(r.code, `docker ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

async function makeNetwork(name: string, subnet?: string): Promise<string> {
  const req = { Name: name, ...(subnet ? { IPAM: { Config: [{ Subnet: subnet }] } } : {}) };
  return (await suite.rt.networks.add((existing) => planNetwork(req, existing, []))).Id;
}

const ipOn = async (name: string, net: string) =>
  (await ok(['inspect', '-f', `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, name])).trim();

/** Exit code of a command in a running container (0: it worked). */
async function execCode(name: string, cmd: string[]): Promise<number> {
  return (await suite.docker(['exec', name, ...cmd])).code;
}

describe('user-defined networks (Linux driver, docker CLI)', () => {
  rootIt(
    'containers on one network reach each other by name and alias; the file follows starts and stops',
    async () => {
      await makeNetwork('front', '10.148.1.0/24');
      await ok([
        'run',
        '-d',
        '--name',
        'web',
        '--network',
        'front',
        '--network-alias',
        'www',
        'busybox',
        'sleep',
        '300',
      ]);
      await ok(['run', '-d', '--name', 'client', '--network', 'front', 'busybox', 'sleep', '300']);
      const webIp = await ipOn('web', 'front');
      expect(webIp).toMatch(/^10\.148\.1\.\d+$/);
      // the top-level address is the default bridge's (Docker's), empty here
      expect((await ok(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'web'])).trim()).toBe('');
      // both directions: the one started first learned of the second in place
      expect(await ok(['exec', 'client', 'cat', '/etc/hosts'])).toMatch(
        new RegExp(`^${webIp.replace(/\./g, '\\.')}\\tweb www [0-9a-f]{12}$`, 'm'),
      );
      expect(await execCode('client', ['ping', '-c1', '-W2', 'web'])).toBe(0);
      expect(await execCode('client', ['ping', '-c1', '-W2', 'www'])).toBe(0);
      expect(await execCode('web', ['ping', '-c1', '-W2', 'client'])).toBe(0);
      // a stopped peer is no longer listed; started again, it is
      await ok(['stop', '-t', '0', 'web']);
      expect(await ok(['exec', 'client', 'cat', '/etc/hosts'])).not.toMatch(/\tweb /);
      await ok(['start', 'web']);
      expect(await execCode('client', ['ping', '-c1', '-W2', 'web'])).toBe(0);
      await ok(['rm', '-f', 'web', 'client']);
    },
  );

  rootIt('the default bridge resolves no names, and networks cannot reach each other', async () => {
    await makeNetwork('back', '10.148.2.0/24');
    await ok(['run', '-d', '--name', 'db', '--network', 'back', 'busybox', 'sleep', '300']);
    await ok(['run', '-d', '--name', 'b1', 'busybox', 'sleep', '300']);
    await ok(['run', '-d', '--name', 'b2', 'busybox', 'sleep', '300']);
    const dbIp = await ipOn('db', 'back');
    const b2Ip = await ipOn('b2', 'bridge');
    // the default bridge: by address yes, by name no (Docker: --link is its way)
    expect(await execCode('b1', ['ping', '-c1', '-W2', b2Ip])).toBe(0);
    expect(await execCode('b1', ['ping', '-c1', '-W2', 'b2'])).not.toBe(0);
    // across networks: no route taken (the isolation table drops it), both ways
    expect(await execCode('b1', ['ping', '-c1', '-W1', dbIp])).not.toBe(0);
    expect(await execCode('db', ['ping', '-c1', '-W1', b2Ip])).not.toBe(0);
    await ok(['rm', '-f', 'db', 'b1', 'b2']);
  });

  rootIt('--ip takes the asked address; a taken one fails the start with a 409 and leaves nothing', async () => {
    await makeNetwork('fixed', '10.148.3.0/24');
    await ok(['run', '-d', '--name', 'f1', '--network', 'fixed', '--ip', '10.148.3.50', 'busybox', 'sleep', '300']);
    expect(await ipOn('f1', 'fixed')).toBe('10.148.3.50');
    const r = await suite.docker([
      'run',
      '-d',
      '--name',
      'f2',
      '--network',
      'fixed',
      '--ip',
      '10.148.3.50',
      'busybox',
      'sleep',
      '300',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Address already in use');
    expect((await ok(['inspect', '-f', '{{.State.Running}}', 'f2'])).trim()).toBe('false');
    await ok(['rm', '-f', 'f1', 'f2']);
  });
});
