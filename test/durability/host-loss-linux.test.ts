import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { inspect, list, remove, startContainer } from '../../client/api';
import { monitorWorkflowId } from '../../common/monitor-api';
import type { LinuxRuntime } from '../../runtime/linux-runtime';
import { leaksOf } from '../../runtime/drivers/linux/probe';
import { isLive } from '../../runtime/drivers/linux/shim';
import { cli } from '../harness';
import { createOn } from '../hosts-fixture';
import {
  addressesOf,
  closeLinuxRuntime,
  expectNothingLeft,
  linuxRuntime,
  linuxUnavailable,
  rootTest,
  testNetwork,
  type LinuxLeftovers,
} from '../linux-fixture';
import {
  HOSTS,
  killAAndKeepStartingOnB,
  noticedWithin,
  openHostProcesses,
  releasedKinds,
  restartAWithReconcile,
  secs,
  sleeper,
  startHeldOnA,
  type Host,
  type HostProcesses,
  type Placement,
} from './host-processes';

// A host that goes away mid-start, with real containers (on the Linux driver): hosts `a` and
// `b` are worker processes with their own state roots, host network namespaces and subnets (cs-hloss-a,
// 10.122.0.0/16; cs-hloss-b, 10.123.0.0/16). A start of x on a holds its network step after the netns and
// CNI ADD are done; a's worker is SIGKILLed there. The start fails HostUnavailable and sends a nothing more,
// so x's mounts, netns and IP stay in the kernel (recorded as leftovers) while b keeps starting real
// containers. a's worker back on its root releases them in its start-up reconcile (checked in the kernel:
// mountinfo, `ip netns`, the IPAM files), running-a's process lived through the loss and is monitored again,
// and b's containers are untouched. (The liveness window and placement while a is down are driver-independent:
// host-loss.test.ts.) Needs root: without it every test FAILS with the reason (CI runs as root).

const NETS = {
  a: testNetwork('durability/host-loss-linux-a'),
  b: testNetwork('durability/host-loss-linux-b'),
} as const;
const table: string[] = [];
const row = (c: string, outcome: string) => table.push(`${c.padEnd(52)} → ${outcome}`);

let unavailable: string | undefined;
let p: HostProcesses | undefined;
const rootIt = rootTest(() => unavailable, 120_000);
/** every container made, with its host */
const made = new Map<string, Host>();

beforeAll(async () => {
  unavailable = await linuxUnavailable();
  if (unavailable) return;
  p = await openHostProcesses(
    'cs-hloss',
    {
      root: async (dir, h) => {
        const root = path.join(dir, `root-${h}`);
        await fs.mkdir(root, { recursive: true });
        return root;
      },
      env: (h) => ({
        CONTAINER_SAGA_DRIVER: 'linux',
        CONTAINER_SAGA_HOST_NETNS: NETS[h].hostNetns,
        CONTAINER_SAGA_SUBNET: NETS[h].subnet,
        CONTAINER_SAGA_UPLINK_SUBNET: NETS[h].uplinkSubnet,
      }),
      driver: (root, h) => linuxRuntime(root, NETS[h]),
    },
    async ({ drivers }) => {
      for (const h of HOSTS) await (drivers[h] as LinuxRuntime).importImage('busybox', 'busybox-static');
    },
  );
}, 180_000);

afterAll(async () => {
  if (table.length > 0)
    console.log(`host-loss outcome table, Linux driver (case → outcome, timings):\n${table.join('\n')}`);
  if (!p) return;
  await p.close('host-loss-linux');
  const left = {} as Record<Host, LinuxLeftovers>;
  for (const h of HOSTS)
    left[h] = await closeLinuxRuntime(
      p.drivers[h] as LinuxRuntime,
      NETS[h].hostNetns,
      [...made].filter(([, on]) => on === h).map(([id]) => id),
    );
  for (const h of HOSTS) expectNothingLeft(left[h]);
  await fs.rm(p.dir, { recursive: true, force: true });
}, 120_000);

const s = () => p!.session;
/** the kinds of what the kernel and a's root still hold of a container (leaksOf: mountinfo, netns, IPAM, process) */
const kernelHeld = async (h: Host, id: string) =>
  [...new Set((await leaksOf(p!.roots[h], id)).map((l) => l.split(':')[0]))].sort();

async function runningOn(h: Host, name?: string) {
  const { Id } = await createOn(s(), sleeper(name ? { name } : {}), h);
  made.set(Id, h);
  await startContainer(s(), Id);
  const rec = await inspect(s(), Id);
  expect(rec.State.Running).toBe(true);
  expect(rec.NetworkSettings.IPAddress).toMatch(addressesOf(NETS[h].subnet).ip);
  return rec;
}

describe('a host that goes away mid-start (real worker processes, Linux driver)', () => {
  const hold = () => path.join(p!.roots.a, 'network.release');
  const pids = {} as Record<Host, number>;
  const ids = {} as Record<Host, string>;
  let x: string;
  let started: Promise<unknown>;
  let placement: Placement;
  let onB: string[] = [];
  let bHeldBeforeRestart: string[];

  rootIt(
    'before the loss: a real container runs on each host; x, on a, holds its network step with its netns and IP made',
    async () => {
      for (const h of HOSTS) {
        const rec = await runningOn(h, `running-${h}`);
        pids[h] = rec.State.Pid;
        ids[h] = rec.Id;
      }
      ({ x, started, placement } = await startHeldOnA(p!, hold()));
      made.set(x, 'a');
      expect(await kernelHeld('a', x)).toEqual(expect.arrayContaining(['ip', 'mount', 'netns']));
    },
  );

  rootIt(
    "SIGKILL of a's worker: x's start fails HostUnavailable; x's mounts, netns and IP stay, recorded for a; b keeps starting real containers",
    async () => {
      const loss = await killAAndKeepStartingOnB(p!, hold(), { x, started, placement });
      onB = loss.onB;
      for (const id of onB) made.set(id, 'b');
      // nothing was sent to a after its loss: what x holds is in the kernel still, for a's reconcile
      const left = await kernelHeld('a', x);
      expect(left).toEqual(expect.arrayContaining(['ip', 'mount', 'netns']));
      expect(await isLive(pids.a)).toBe(true);
      row(
        'x on a, network step held, SIGKILL of a',
        `failed ${loss.failure.type} (${loss.failure.status}) after ${secs(loss.failedAfter)} (${placement}: ${noticedWithin(placement)}); x's ${left.join(', ')} left in the kernel; running-a's process alive`,
      );
      for (const id of onB) {
        const rec = await inspect(s(), id);
        expect([rec.State.Running, await isLive(rec.State.Pid)]).toEqual([true, true]);
        expect(rec.NetworkSettings.IPAddress).toMatch(addressesOf(NETS.b.subnet).ip);
      }
      row(
        'b meanwhile: create --host b + start, every 2 s',
        `${onB.length} running in b's subnet, ${secs(Math.min(...loss.bStarts))}–${secs(Math.max(...loss.bStarts))} each`,
      );
    },
  );

  rootIt(
    "a's worker back on its root: its reconcile releases x's mounts, netns and IP in the kernel; running-a monitored again; b untouched",
    async () => {
      bHeldBeforeRestart = await p!.held('b');
      const { reconciled, took } = await restartAWithReconcile(p!);
      expect(reconciled).toMatch(new RegExp(`^released ${x.slice(0, 12)} \\(`));
      expect(reconciled).toContain(`monitoring ${ids.a.slice(0, 12)}`);
      expect(await kernelHeld('a', x)).toEqual([]);
      expect(reconciled).not.toMatch(new RegExp([ids.b, ...onB].map((id) => id.slice(0, 12)).join('|')));
      expect(await p!.held('b')).toEqual(bHeldBeforeRestart);
      expect(await isLive(pids.a)).toBe(true);
      expect((await s().client.workflow.getHandle(monitorWorkflowId(ids.a)).describe()).status.name).toBe('RUNNING');
      row(
        "a's worker restarted (CONTAINER_SAGA_RECONCILE on)",
        `reconciled ${secs(took)} after the restart: released x's ${releasedKinds(reconciled).join(', ')} (kernel: nothing of x left); running-a monitored; b untouched`,
      );
    },
  );

  rootIt(
    'x starts again on a, in its subnet; ps shows both hosts; removing everything leaves both hosts clean (asserted after all)',
    async () => {
      const t = Date.now();
      expect(await startContainer(s(), x)).toMatchObject({ status: 'running', host: 'a' });
      const rec = await inspect(s(), x);
      expect(rec.NetworkSettings.IPAddress).toMatch(addressesOf(NETS.a.subnet).ip);
      expect(await isLive(rec.State.Pid)).toBe(true);
      row('start of x again, a back', `running on a in ${secs(Date.now() - t)}, IP ${rec.NetworkSettings.IPAddress}`);
      const ps = await cli({ address: p!.envs.a.TEMPORAL_ADDRESS!, taskQueue: p!.envs.a.CONTAINER_SAGA_TASK_QUEUE! }, [
        'ps',
      ]);
      expect(ps.code, ps.stderr).toBe(0);
      table.push(`ps once a is back:\n${ps.stdout}`);
      const all = await list(s(), true);
      expect(
        all
          .filter((c) => c.Node?.Name === 'a')
          .map((c) => c.Id)
          .sort(),
      ).toEqual([x, ids.a].sort());
      expect(all.filter((c) => c.Node?.Name === 'b').length).toBe(onB.length + 1);
      for (const c of all) await remove(s(), c.Id, true);
    },
  );
});
