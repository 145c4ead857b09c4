import { promises as fs } from 'node:fs';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { HeldResource } from '../runtime/contract';
import type { LinuxDriverOptions } from '../runtime/drivers/linux/driver';
import { getConfig } from '../config';
import type { HostRuntimeConfig } from '../runtime/host-runtime';
import { LinuxRuntime } from '../runtime/linux-runtime';
import { mountsUnder, readMountInfo } from '../runtime/drivers/linux/mountinfo';
import { releaseStateRoot } from '../runtime/drivers/linux/mounts';
import { deleteNetns } from '../runtime/drivers/linux/netns';
import { releaseUplink } from '../runtime/drivers/linux/uplink';
import { linuxPrerequisites } from '../runtime/drivers/linux/prereqs';
import { leaksOf } from '../runtime/drivers/linux/probe';
import { startTestWorker, type TestWorker } from './harness';

/**
 * Shared by the tests that drive real containers: why they cannot run here (then each test FAILS with it,
 * none skips), a Linux runtime in its own state root and network (so files running side by side never
 * share a bridge or subnet), and its teardown, which reports what was left.
 */
export async function linuxUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0)
    return 'the Linux driver tests need root (they mount, create network namespaces and run runc)';
  const pre = await linuxPrerequisites();
  return pre.ok ? undefined : pre.reason;
}

/** A host-side network namespace, the bridge inside it, the containers' subnet and the namespace's uplink /30. */
export type TestNetwork = Required<Pick<LinuxDriverOptions, 'hostNetns' | 'bridge' | 'subnet' | 'uplinkSubnet'>>;
type TestNetworkEntry = Omit<TestNetwork, 'uplinkSubnet'> & { uplinkSubnet?: string };

/**
 * Every test file that runs real containers gets its own triple, so files running side by side never share
 * a namespace, bridge or subnet, and none is the default one (container-saga-host, 10.88.0.0/16) a worker on
 * this host may be using. The subnets live only inside the project's own network namespaces (the bridge is
 * in the host-side netns, not the host's), so they cannot clash with the host's routes; a bridge name only
 * has to be unique within its namespace. Each host-side netns has an uplink to the host (uplink.ts), whose /30
 * is on the host: an entry without one gets 10.198.<second octet of its subnet>.0/30, unique as the subnets are.
 */
const TEST_NETWORKS = {
  'linux/driver': { hostNetns: 'container-saga-test-host', bridge: 'cst0', subnet: '10.89.0.0/16' },
  'e2e/linux-saga': { hostNetns: 'cs-e2e-host', bridge: 'cse0', subnet: '10.90.0.0/16' },
  'e2e/monitor-linux': { hostNetns: 'cs-mon-host', bridge: 'csm0', subnet: '10.96.0.0/16' },
  'e2e/logs-linux': { hostNetns: 'cs-logs-host', bridge: 'csg0', subnet: '10.97.0.0/16' },
  'e2e/conmon-linux': { hostNetns: 'cs-conmon-host', bridge: 'cscm0', subnet: '10.151.0.0/16' },
  // the driver's default bridge: the crash test's worker processes take their network from the environment,
  // which has no variable for the bridge
  'durability/crash': { hostNetns: 'cs-crash-host', bridge: 'cs0', subnet: '10.91.0.0/16' },
  'durability/activity-idempotency': { hostNetns: 'cs-idem-host', bridge: 'csi0', subnet: '10.92.0.0/16' },
  'durability/lifecycle': { hostNetns: 'cs-life-host', bridge: 'csl0', subnet: '10.93.0.0/16' },
  'durability/server-restart': { hostNetns: 'cs-restart-host', bridge: 'csr0', subnet: '10.94.0.0/16' },
  'durability/cancel-moments-linux': { hostNetns: 'cs-cancel-host', bridge: 'csx0', subnet: '10.124.0.0/16' },
  // worker processes take the bridge from the driver's default too (no variable for it)
  'durability/monitor-crash': { hostNetns: 'cs-moncrash-host', bridge: 'cs0', subnet: '10.98.0.0/16' },
  'e2e/verbs': { hostNetns: 'cs-verbs-host', bridge: 'csv0', subnet: '10.95.0.0/16' },
  // rename, top, prune, df (cs-verbs-host is e2e/verbs')
  'e2e/container-verbs-linux': { hostNetns: 'cs-cverbs-host', bridge: 'csvb0', subnet: '10.153.0.0/16' },
  'e2e/api-linux': { hostNetns: 'cs-api-host', bridge: 'csa0', subnet: '10.99.0.0/16' },
  'e2e/confine-linux': { hostNetns: 'cs-confine-host', bridge: 'csc0', subnet: '10.110.0.0/16' },
  'e2e/seccomp-linux': { hostNetns: 'cs-seccomp-host', bridge: 'css0', subnet: '10.111.0.0/16' },
  'e2e/policy-linux': { hostNetns: 'cs-policy-host', bridge: 'csq0', subnet: '10.126.0.0/16' },
  'e2e/pull-linux': { hostNetns: 'cs-pull-host', bridge: 'cspl0', subnet: '10.127.0.0/16' },
  'e2e/resources-linux': { hostNetns: 'cs-res-host', bridge: 'csres0', subnet: '10.112.0.0/16' },
  'e2e/userns-linux': { hostNetns: 'cs-userns-host', bridge: 'csu0', subnet: '10.113.0.0/16' },
  'e2e/image-config-linux': { hostNetns: 'cs-imgcfg-host', bridge: 'csic0', subnet: '10.131.0.0/16' },
  'e2e/image-archive-linux': { hostNetns: 'cs-archive-host', bridge: 'csar0', subnet: '10.130.0.0/16' },
  'e2e/image-verbs-linux': { hostNetns: 'cs-imgv-host', bridge: 'csiv0', subnet: '10.129.0.0/16' },
  'e2e/ports-linux': { hostNetns: 'cs-ports-host', bridge: 'csp0', subnet: '10.140.0.0/16' },
  'e2e/volumes-linux': { hostNetns: 'cs-vol-host', bridge: 'csvol0', subnet: '10.144.0.0/16' },
  // (cs-vol-host is volumes-linux's already)
  'e2e/volume-mounts-linux': { hostNetns: 'cs-volmnt-host', bridge: 'csvo0', subnet: '10.157.0.0/16' },
  'e2e/tty-linux': { hostNetns: 'cs-tty-host', bridge: 'cstt0', subnet: '10.152.0.0/16' },
  // its user-defined networks live in the same host netns, on 10.148.x
  'e2e/network-dns-linux': { hostNetns: 'cs-dns-host', bridge: 'csdn0', subnet: '10.147.0.0/16' },
  // its user networks are 10.146.x.0/24 in the same host netns
  'e2e/networks-linux': { hostNetns: 'cs-net-host', bridge: 'csn0', subnet: '10.145.0.0/16' },
  // compose's project networks are made from Docker's default pools (172.17+) inside this host netns
  'e2e/compose-linux': { hostNetns: 'cs-compose-host', bridge: 'cscp0', subnet: '10.149.0.0/16' },
  // two hosts on one machine (hosts-linux.test.ts): each its own host netns, bridge and subnet
  'e2e/hosts-linux-a': { hostNetns: 'cs-host-a', bridge: 'csha0', subnet: '10.120.0.0/16' },
  'e2e/hosts-linux-b': { hostNetns: 'cs-host-b', bridge: 'cshb0', subnet: '10.121.0.0/16' },
  // a host lost mid-start (host-loss-linux.test.ts): two hosts as worker processes, so the default bridge
  'durability/host-loss-linux-a': { hostNetns: 'cs-hloss-a', bridge: 'cs0', subnet: '10.122.0.0/16' },
  'durability/host-loss-linux-b': { hostNetns: 'cs-hloss-b', bridge: 'cs0', subnet: '10.123.0.0/16' },
  // published ports across a worker SIGKILL (worker processes: the default bridge)
  'durability/ports-crash': { hostNetns: 'cs-pcrash-host', bridge: 'cs0', subnet: '10.141.0.0/16' },
  'durability/tty-crash': { hostNetns: 'cs-ttycrash-host', bridge: 'cs0', subnet: '10.158.0.0/16' },
  'e2e/cp-linux': { hostNetns: 'cs-cp-host', bridge: 'cscpy0', subnet: '10.154.0.0/16' },
  'e2e/health-linux': { hostNetns: 'cs-health-host', bridge: 'cshc0', subnet: '10.156.0.0/16' },
  'e2e/stats-update-linux': { hostNetns: 'cs-stats-host', bridge: 'csst0', subnet: '10.155.0.0/16' },
  'e2e/dns-linux': {
    hostNetns: 'cs-resolv-host',
    bridge: 'csrv0',
    subnet: '10.142.0.0/16',
    uplinkSubnet: '10.199.42.0/30',
  },
} as const satisfies Record<string, TestNetworkEntry>;

/** The network of one test file (named by its path under test/, without .test.ts). */
export function testNetwork(file: keyof typeof TEST_NETWORKS): TestNetwork {
  const net: TestNetworkEntry = TEST_NETWORKS[file];
  return { ...net, uplinkSubnet: net.uplinkSubnet ?? `10.198.${net.subnet.split('.')[1]}.0/30` };
}

// Two files given one netns, subnet or uplink would tear down each other's (as cs-dns-host once was twice)
for (const key of ['hostNetns', 'subnet', 'uplinkSubnet'] as const) {
  const all = (Object.keys(TEST_NETWORKS) as Array<keyof typeof TEST_NETWORKS>).map((f) => testNetwork(f)[key]);
  const twice = all.filter((v, i) => all.indexOf(v) !== i);
  if (twice.length > 0) throw new Error(`TEST_NETWORKS: ${key} ${twice.join(', ')} given to more than one file`);
}

/** For a /16 test subnet: the gateway the bridge gets (its first address) and a pattern every container IP matches. */
export function addressesOf(subnet: string): { gateway: string; ip: RegExp } {
  const m = /^(\d+)\.(\d+)\.0\.0\/16$/.exec(subnet);
  if (!m) throw new Error(`not a /16 test subnet: ${subnet}`);
  return { gateway: `${m[1]}.${m[2]}.0.1`, ip: new RegExp(`^${m[1]}\\.${m[2]}\\.`) };
}

/**
 * The Linux runtime on `root` in the test network `net`: the host name a worker would have unless `config` names one.
 */
export function linuxRuntime(root: string, net: TestNetwork, config: Partial<HostRuntimeConfig> = {}): LinuxRuntime {
  return new LinuxRuntime(root, { host: getConfig().host, ...config }, net);
}

export async function openLinuxRuntime(
  prefix: string,
  net: TestNetwork,
  config: Partial<HostRuntimeConfig> = {},
): Promise<LinuxRuntime> {
  const rt = linuxRuntime(await fs.mkdtemp(`/tmp/${prefix}-`), net, config);
  await rt.importImage('busybox', 'busybox-static');
  return rt;
}

export interface LinuxLeftovers {
  /** what leaksOf still finds of the containers named to closeLinuxRuntime, as "<id12> <leak>" */
  leaks: string[];
  /** what the driver still holds */
  held: HeldResource[];
  /** mount points still under the state root */
  mounts: string[];
}

/**
 * Removes every container, then reports what is left: leaks of `containers` (also of those already removed),
 * what the driver holds, what is mounted under the root. Deletes the host netns, and the root when clean.
 */
export async function closeLinuxRuntime(
  rt: LinuxRuntime,
  hostNetns: string,
  containers: readonly string[] = [],
): Promise<LinuxLeftovers> {
  for (const c of await rt.list()) await rt.remove(c.Id, true).catch(() => undefined);
  const leaks: string[] = [];
  for (const id of containers) leaks.push(...(await leaksOf(rt.root, id)).map((l) => `${id.slice(0, 12)} ${l}`));
  const held = await rt.heldResources();
  const mounts = mountsUnder(await readMountInfo(), rt.root).map((m) => m.mountPoint);
  await releaseStateRoot(rt.root).catch(() => undefined);
  await deleteNetns(hostNetns);
  await releaseUplink(hostNetns);
  if (leaks.length === 0 && held.length === 0 && mounts.length === 0)
    await fs.rm(rt.root, { recursive: true, force: true });
  return { leaks, held, mounts };
}

/** The assertion every Linux test file ends with: nothing leaked, held or mounted. */
export function expectNothingLeft({ leaks, held, mounts }: LinuxLeftovers): void {
  expect(leaks).toEqual([]);
  expect(held).toEqual([]);
  expect(mounts).toEqual([]);
}

/** closeLinuxRuntime, then expectNothingLeft. */
export async function closeAndExpectNothingLeft(
  rt: LinuxRuntime,
  hostNetns: string,
  containers: readonly string[] = [],
): Promise<void> {
  expectNothingLeft(await closeLinuxRuntime(rt, hostNetns, containers));
}

/** `it` for a test that needs root: fails with the reason when `unavailable()` gives one. */
export function rootTest(unavailable: () => string | undefined, defaultTimeout = 90_000) {
  return (name: string, fn: () => Promise<void>, timeout = defaultTimeout): void => {
    it(
      name,
      async () => {
        const why = unavailable();
        if (why) throw new Error(why);
        await fn();
      },
      timeout,
    );
  };
}

export interface LinuxSuite {
  /** the driver, in its own state root and network */
  readonly rt: LinuxRuntime;
  /** an in-process worker for it on the shared dev server */
  readonly w: TestWorker;
  /** `it` that fails with the reason when the Linux driver cannot run here */
  readonly it: ReturnType<typeof rootTest>;
}

/**
 * Registers the hooks of a file that drives real containers through the saga: before all, a Linux
 * runtime (busybox imported) and a worker for it; after all, every container removed and nothing left
 * held or mounted under its root (asserted).
 */
export function linuxSuite(prefix: string, net: TestNetwork, config: Partial<HostRuntimeConfig> = {}): LinuxSuite {
  let rt: LinuxRuntime | undefined;
  let w: TestWorker | undefined;
  let unavailable: string | undefined;
  beforeAll(async () => {
    unavailable = await linuxUnavailable();
    if (unavailable) return;
    rt = await openLinuxRuntime(prefix, net, config);
    w = await startTestWorker(inject('temporalAddress'), rt);
  }, 120_000);
  afterAll(async () => {
    if (!rt) return;
    await w?.shutdown();
    await closeAndExpectNothingLeft(rt, net.hostNetns);
  }, 60_000);
  return {
    get rt() {
      return rt!;
    },
    get w() {
      return w!;
    },
    it: rootTest(() => unavailable),
  };
}
