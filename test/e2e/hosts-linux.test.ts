import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject } from 'vitest';
import { imageList, inspect, list, remove, startContainer, stop } from '../../client/api';
import { CliError } from '../../client/errors';
import { hostTaskQueue } from '../../common/hosts-api';
import { lifecycleWorkflowId, startWorkflowId } from '../../common/names';
import type { CreateRequest } from '../../common/types';
import type { LinuxRuntime } from '../../runtime/linux-runtime';
import { mountsUnder, readMountInfo } from '../../runtime/drivers/linux/mountinfo';
import { claimStateRoot } from '../../worker/host-root';
import { cli, startTestWorker, type TestWorker } from '../harness';
import { activitiesOf, createOn, hostActivities, hostLs, importOn, untilLive } from '../hosts-fixture';
import {
  addressesOf,
  closeLinuxRuntime,
  expectNothingLeft,
  linuxUnavailable,
  openLinuxRuntime,
  rootTest,
  testNetwork,
  type LinuxLeftovers,
} from '../linux-fixture';
import { inside } from '../linux-inside';

// Two hosts on one machine with the Linux driver: in-process workers as hosts `a` and `b` on one
// task queue, each with its own state root, host network namespace, bridge and subnet (cs-host-a, csha0,
// 10.120.0.0/16; cs-host-b, cshb0, 10.121.0.0/16), busybox imported on each root. Each container's process,
// network and mounts are its host's only; ps shows both hosts; a start pinned to b puts its veth in b's
// bridge; stop and rm go to the owner. Needs root: without it every test FAILS with the reason (CI runs as
// root). Everything is removed and both namespaces deleted afterwards, nothing left held or mounted.

const HOSTS = ['a', 'b'] as const;
type Host = (typeof HOSTS)[number];
const NETS = { a: testNetwork('e2e/hosts-linux-a'), b: testNetwork('e2e/hosts-linux-b') } as const;
const other = (h: Host): Host => (h === 'a' ? 'b' : 'a');
const identity = (h: Host) => `worker-${h}`;

let unavailable: string | undefined;
const rts = {} as Record<Host, LinuxRuntime>;
const workers = {} as Record<Host, TestWorker>;
const rootIt = rootTest(() => unavailable, 120_000);
/** every container made, with its host */
const made = new Map<string, Host>();

beforeAll(async () => {
  unavailable = await linuxUnavailable();
  if (unavailable) return;
  for (const h of HOSTS) {
    rts[h] = await openLinuxRuntime(`cs-hosts-${h}`, NETS[h], { host: h }); // busybox imported on each root
    await claimStateRoot(rts[h].root, h);
    workers[h] = await startTestWorker(inject('temporalAddress'), rts[h], {
      identity: identity(h),
      ...(h === 'b' ? { taskQueue: workers.a.taskQueue } : {}),
    });
  }
  await untilLive(workers.a.session, HOSTS);
}, 180_000);

afterAll(async () => {
  for (const h of HOSTS) await workers[h]?.shutdown();
  const left = {} as Record<Host, LinuxLeftovers>;
  for (const h of HOSTS) {
    if (rts[h])
      left[h] = await closeLinuxRuntime(
        rts[h],
        NETS[h].hostNetns,
        [...made].filter(([, on]) => on === h).map(([id]) => id),
      );
  }
  for (const h of HOSTS) if (left[h]) expectNothingLeft(left[h]);
}, 120_000);

const s = () => workers.a.session;
const sleeper = (name: string, more: Partial<CreateRequest> = {}): CreateRequest => ({
  name,
  image: 'busybox',
  cmd: ['sleep', '1000'],
  ...more,
});

async function started(name: string, host?: Host, more: Partial<CreateRequest> = {}) {
  const { Id } = await createOn(s(), sleeper(name, more), host);
  const rec0 = await inspect(s(), Id);
  made.set(Id, rec0.Node!.Name as Host);
  await startContainer(s(), Id);
  return inspect(s(), Id);
}

/** `ip -o link` in a host's network namespace: one line per link. */
function hostLinks(h: Host): string[] {
  const r = spawnSync('ip', ['-n', NETS[h].hostNetns, '-o', 'link', 'show'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip -n ${NETS[h].hostNetns} link: ${r.stderr}`);
  return r.stdout.trim().split('\n');
}
/** The veths enslaved to a host's bridge, by ifindex. */
const bridgePorts = (h: Host) =>
  hostLinks(h)
    .filter((l) => l.includes(` master ${NETS[h].bridge} `))
    .map((l) => Number(l.split(':')[0]));

/** What each host's driver holds of a container, by kind (read from the system and the host's root). */
async function heldOn(id: string): Promise<Record<Host, string[]>> {
  const out = {} as Record<Host, string[]>;
  for (const h of HOSTS)
    out[h] = [...new Set((await rts[h].heldResources()).filter((r) => r.containerId === id).map((r) => r.kind))].sort();
  return out;
}

describe('two hosts, one task queue (Linux driver)', () => {
  rootIt(
    "placement spreads real containers; each one runs in its host's subnet and bridge, its mounts and runc state under its host's root only",
    async () => {
      const recs = [await started('la'), await started('lb'), await started('pinned-b', 'b')];
      expect(recs.map((r) => [r.Name, r.Node?.Name])).toEqual([
        ['/la', 'a'],
        ['/lb', 'b'],
        ['/pinned-b', 'b'],
      ]);
      const mounts = await readMountInfo();
      for (const rec of recs) {
        const h = rec.Node!.Name as Host;
        const { pid } = { pid: rec.State.Pid };
        // its own netns, wired to its host's bridge: an address and the route of its host's subnet, whose
        // gateway (the bridge, in the host's namespace) answers; the other host's gateway does not: its subnet is in
        // the other host's netns, so the packet leaves by the uplink to the host's own routes and no answer comes
        // (ping exits non-zero)
        expect(readlinkSync(`/proc/${pid}/ns/net`)).not.toBe(readlinkSync('/proc/self/ns/net'));
        expect(rec.NetworkSettings.IPAddress, rec.Name).toMatch(addressesOf(NETS[h].subnet).ip);
        expect(inside(pid, ['ip', 'route'], ['-n'])).toContain(`${NETS[h].subnet} dev eth0`);
        expect(inside(pid, `ping -c 1 -W 2 ${addressesOf(NETS[h].subnet).gateway}`)).toContain('1 packets received');
        expect(() => inside(pid, `ping -c 1 -W 1 ${addressesOf(NETS[other(h)].subnet).gateway}`)).toThrow(
          /^nsenter \/bin\/sh -c ping -c 1 -W 1 /,
        );
        // eth0's peer is a port of its host's bridge, in its host's namespace
        const peer = Number(/eth0@if(\d+):/.exec(inside(pid, ['ip', '-o', 'link', 'show', 'eth0'], ['-n']))?.[1]);
        expect(bridgePorts(h), rec.Name).toContain(peer);
        // its rootfs is mounted under its host's root, nothing of it under the other's; runc, netns, IP and
        // process are its host's driver's
        expect(mountsUnder(mounts, rts[h].root).map((m) => m.mountPoint)).toContain(
          `${rts[h].root}/containers/${rec.Id}/rootfs`,
        );
        expect(mountsUnder(mounts, rts[other(h)].root).filter((m) => m.mountPoint.includes(rec.Id))).toEqual([]);
        const held = await heldOn(rec.Id);
        expect(held[h], rec.Name).toEqual(expect.arrayContaining(['ip', 'mount', 'netns', 'process', 'runc']));
        expect(held[other(h)], rec.Name).toEqual([]);
      }
      // each bridge has the ports of its own host's containers only
      expect(bridgePorts('a').length).toBe(1);
      expect(bridgePorts('b').length).toBe(2);
    },
  );

  rootIt('a start pinned to b runs every host activity on b: its host queue, its worker', async () => {
    const id = (await inspect(s(), 'pinned-b')).Id;
    const onHost = hostActivities(await activitiesOf(workers.a.client, startWorkflowId(id)), workers.a.taskQueue);
    expect(onHost.map((a) => a.type)).toEqual(
      expect.arrayContaining(['mountRootfs', 'connectNetwork', 'writeSpec', 'startProcess', 'markRunning']),
    );
    for (const a of onHost) {
      if (!a.local) expect(a.taskQueue, a.type).toBe(hostTaskQueue(workers.a.taskQueue, 'b'));
      expect(a.identity, a.type).toBe(identity('b'));
    }
  });

  rootIt('ps, image ls and host ls show both hosts', async () => {
    const all = await list(s(), true);
    expect(all.map((c) => [c.Name, c.Node?.Name]).sort()).toEqual([
      ['/la', 'a'],
      ['/lb', 'b'],
      ['/pinned-b', 'b'],
    ]);
    const ps = await cli(workers.b, ['ps', '-a']);
    expect(ps.code, ps.stderr).toBe(0);
    const [head, ...lines] = ps.stdout.trimEnd().split('\n');
    expect(head).toMatch(/NAMES\s+HOST$/);
    expect(lines.map((l) => l.split(/\s+/).slice(-2)).sort()).toEqual([
      ['la', 'a'],
      ['lb', 'b'],
      ['pinned-b', 'b'],
    ]);
    console.log(`ps -a, two hosts (Linux driver):\n${ps.stdout}`);
    const json = JSON.parse((await cli(workers.b, ['ps', '-a', '--json'])).stdout) as Array<{
      Name: string;
      Node?: { Name: string };
    }>;
    expect(json.map((c) => [c.Name, c.Node?.Name]).sort()).toEqual([
      ['/la', 'a'],
      ['/lb', 'b'],
      ['/pinned-b', 'b'],
    ]);
    // imported on each host: two images of one name (an import is its own image, its ID its config's digest;
    // a pulled image has one ID everywhere, test/e2e/image-pull.test.ts)
    const byName = (list: Awaited<ReturnType<typeof imageList>>) =>
      list.map((i) => [i.name, i.hosts]).sort((x, y) => String(x).localeCompare(String(y)));
    expect(byName(await imageList(s()))).toEqual([
      ['busybox', ['a']],
      ['busybox', ['b']],
    ]);
    const rows = await hostLs(s());
    expect(
      rows.map((r) => [r.name, r.live, r.driver, r.availability, r.status?.running, r.status?.containers]),
    ).toEqual([
      ['a', true, 'linux', 'active', 1, 1],
      ['b', true, 'linux', 'active', 2, 2],
    ]);
    const ls = await cli(workers.a, ['host', 'ls']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(/\na\s+live\s+active\s+linux\s+1\s+1\s/);
    expect(ls.stdout).toMatch(/\nb\s+live\s+active\s+linux\s+2\s+2\s/);
    console.log(`host ls, two hosts (Linux driver):\n${ls.stdout}`);
  });

  rootIt(
    'placement follows the image: one only b has goes to b, though b runs more; one no host has is refused (404)',
    async () => {
      const imported = await importOn(s(), 'tools', 'busybox-static', 'b');
      expect(imported.hosts).toEqual(['b']);
      const rows = (await imageList(s())).map((i) => [i.name, i.hosts]);
      expect(rows.sort((x, y) => String(x).localeCompare(String(y)))).toEqual([
        ['busybox', ['a']],
        ['busybox', ['b']],
        ['tools', ['b']],
      ]);
      const rec = await started('tooling', undefined, { image: 'tools' });
      expect(rec.Node?.Name).toBe('b');
      expect(rec.NetworkSettings.IPAddress).toMatch(addressesOf(NETS.b.subnet).ip);
      const none = await createOn(s(), sleeper('nowhere', { image: 'nosuchimage' })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect([(none as CliError).type, (none as CliError).status]).toEqual(['NoSuchImage', 404]);
      // pinned to a host without the image: that host's own answer
      const pinned = await createOn(s(), sleeper('tools-on-a', { image: 'tools' }), 'a').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect([(pinned as CliError).type, (pinned as CliError).status]).toEqual(['NoSuchImage', 404]);
    },
  );

  rootIt(
    "--network container:X with X on b: refused pinned to a (400), placed on b without a pin, sharing X's netns",
    async () => {
      const err = await createOn(s(), sleeper('join-a', { hostConfig: { NetworkMode: 'container:lb' } }), 'a').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect([(err as CliError).type, (err as CliError).status]).toEqual(['InvalidParameter', 400]);
      const lb = await inspect(s(), 'lb');
      const joined = await started('join-b', undefined, { hostConfig: { NetworkMode: 'container:lb' } });
      expect(joined.Node?.Name).toBe('b');
      expect(readlinkSync(`/proc/${joined.State.Pid}/ns/net`)).toBe(readlinkSync(`/proc/${lb.State.Pid}/ns/net`));
    },
  );

  rootIt('stop and rm go to the owner: b releases everything of its container, a is never touched', async () => {
    const lb = await inspect(s(), 'join-b');
    const aHeld = (await rts.a.heldResources()).map((r) => `${r.containerId} ${r.kind} ${r.detail}`).sort();
    const ports = bridgePorts('b').length;
    await stop(s(), 'pinned-b', 1);
    const pinned = await inspect(s(), 'pinned-b');
    expect(pinned.State.Running).toBe(false);
    expect(await heldOn(pinned.Id)).toEqual({ a: [], b: [] });
    expect(bridgePorts('b').length).toBe(ports - 1);
    for (const a of hostActivities(
      await activitiesOf(workers.a.client, lifecycleWorkflowId('stop', pinned.Id)),
      workers.a.taskQueue,
    )) {
      if (!a.local) expect(a.taskQueue, a.type).toBe(hostTaskQueue(workers.a.taskQueue, 'b'));
      expect(a.identity, a.type).toBe(identity('b'));
    }
    await remove(s(), 'join-b', true);
    expect(spawnSync('kill', ['-0', String(lb.State.Pid)]).status).not.toBe(0);
    expect(await heldOn(lb.Id)).toEqual({ a: [], b: [] });
    expect((await rts.b.list()).map((c) => c.Name)).not.toContain('/join-b');
    expect((await rts.a.heldResources()).map((r) => `${r.containerId} ${r.kind} ${r.detail}`).sort()).toEqual(aHeld);
  });
});
