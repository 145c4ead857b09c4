import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { ContainerError } from '../../../common/errors';
import { netnsPath } from '../layout';
import { run, runChecked, toolOutput } from './exec';
import { tool } from './tools';

/**
 * The host-side netns's way out, as a container engine gives its bridge one: a veth pair (host end in the real
 * host's namespace, `uplink0` inside the host-side netns) on a /30 link subnet, a default route in the netns via
 * the host end, and masquerading of what leaves through `uplink0` (table `container_saga_nat`, inside the netns:
 * the container subnets never reach the host's routing table). In the host's namespace, as Docker does for its
 * bridge: ip_forward on and a masquerade of the link subnet leaving by another interface (a table named after
 * the netns). Everything is named after the netns, so roots with their own netns never share a device or table.
 */

export const UPLINK_PEER = 'uplink0';
export const NS_NAT_TABLE = 'container_saga_nat';

export interface UplinkNames {
  /** the host end, in the host's namespace (at most 15 characters) */
  hostEnd: string;
  /** the nft table in the host's namespace */
  hostTable: string;
  /** flock(1) file serializing set-ups of one netns across processes */
  lock: string;
}

/** Names derived from the netns's name (pure): a short hash keeps the device name under IFNAMSIZ. */
export function uplinkNames(hostNetns: string): UplinkNames {
  const h = createHash('sha256').update(hostNetns).digest('hex').slice(0, 8);
  return { hostEnd: `csu${h}`, hostTable: `container_saga_up_${h}`, lock: `/run/lock/container-saga-uplink-${h}` };
}

/** The /30's host-end and netns-end addresses (pure); anything but an aligned IPv4 /30 is refused. */
export function linkAddresses(subnet: string): { network: string; hostEnd: string; nsEnd: string } {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/30$/.exec(subnet);
  const octets = m ? m.slice(1, 5).map(Number) : [];
  if (!m || octets.some((o) => o > 255) || octets[3]! % 4 !== 0)
    throw new ContainerError(
      'InvalidParameter',
      `uplink subnet ${subnet}: not an IPv4 /30 network (a.b.c.d/30, d a multiple of 4)`,
    );
  const at = (d: number) => `${octets[0]}.${octets[1]}.${octets[2]}.${octets[3]! + d}`;
  return { network: subnet, hostEnd: at(1), nsEnd: at(2) };
}

/** The nft files (pure). Each first declares then deletes its table, so one `nft -f` replaces it atomically. */
export function nsNatRules(): string {
  return replaceTable(
    NS_NAT_TABLE,
    `chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n    oifname "${UPLINK_PEER}" masquerade\n  }`,
  );
}

export function hostNatRules(names: UplinkNames, linkSubnet: string): string {
  return replaceTable(
    names.hostTable,
    `chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n    ip saddr ${linkSubnet} oifname != "${names.hostEnd}" masquerade\n  }`,
  );
}

function replaceTable(name: string, body: string): string {
  return `table ip ${name}\ndelete table ip ${name}\ntable ip ${name} {\n  ${body}\n}\n`;
}

/**
 * Idempotent and safe across processes (flock per netns): a pair whose netns end is missing (the netns was
 * made again) is deleted and made again; addresses and routes are replaced, not added.
 */
const SETUP = [
  'set -e',
  'ns=$1 host=$2 peer=$3 hostaddr=$4 nsaddr=$5 nsfile=$6 hostrules=$7 nsrules=$8',
  'if ! ip -n "$ns" link show "$peer" >/dev/null 2>&1; then',
  '  ip link del "$host" 2>/dev/null || true',
  '  ip link add "$host" type veth peer name "$peer" netns "$ns"',
  'fi',
  'ip addr replace "$hostaddr/30" dev "$host"',
  'ip link set "$host" up',
  'ip -n "$ns" addr replace "$nsaddr/30" dev "$peer"',
  'ip -n "$ns" link set "$peer" up',
  'ip -n "$ns" route replace default via "$hostaddr" dev "$peer"',
  'echo 1 > /proc/sys/net/ipv4/ip_forward',
  'nft -f "$hostrules"',
  'nsenter --net="$nsfile" sh -c \'echo 1 > /proc/sys/net/ipv4/ip_forward && nft -f "$1"\' sh "$nsrules"',
].join('\n');

/** Per process: the netns file's inode the uplink was set up for (a netns made again has another). */
const ready = new Map<string, { ino: number; subnet: string; done: Promise<void> }>();

/**
 * The host-side netns `hostNetns` (which must exist) gets its uplink on `linkSubnet`. Once done in this process,
 * two stats: the same netns (its file's inode) and the host end still there (/sys/class/net).
 */
export async function ensureUplink(hostNetns: string, linkSubnet: string): Promise<void> {
  const { ino } = await fs.stat(netnsPath(hostNetns));
  const known = ready.get(hostNetns);
  if (known && known.ino === ino && known.subnet === linkSubnet) {
    await known.done;
    if (await hostEndPresent(hostNetns)) return;
    if (ready.get(hostNetns) === known) ready.delete(hostNetns);
    return ensureUplink(hostNetns, linkSubnet);
  }
  const done = setUp(hostNetns, linkSubnet).catch((err: unknown) => {
    ready.delete(hostNetns);
    throw err;
  });
  ready.set(hostNetns, { ino, subnet: linkSubnet, done });
  return done;
}

const hostEndPresent = (hostNetns: string) =>
  fs.access(`/sys/class/net/${uplinkNames(hostNetns).hostEnd}`).then(
    () => true,
    () => false,
  );

async function setUp(hostNetns: string, linkSubnet: string): Promise<void> {
  const link = linkAddresses(linkSubnet);
  const names = uplinkNames(hostNetns);
  const dir = await fs.mkdtemp('/tmp/container-saga-uplink-');
  try {
    const hostRules = `${dir}/host.nft`;
    const nsRules = `${dir}/ns.nft`;
    await fs.writeFile(hostRules, hostNatRules(names, link.network));
    await fs.writeFile(nsRules, nsNatRules());
    const args = [hostNetns, names.hostEnd, UPLINK_PEER, link.hostEnd, link.nsEnd, netnsPath(hostNetns)];
    const r = await run(tool('flock'), [names.lock, tool('sh'), '-c', SETUP, 'sh', ...args, hostRules, nsRules], {
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
    });
    if (r.code !== 0) throw new ContainerError('Internal', `uplink of netns ${hostNetns}: ${toolOutput(r)}`);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * Removes what the uplink of `hostNetns` left in the host's namespace (the host end, with its route, and the
 * host table); call it wherever the host-side netns is deleted. Succeeds when there is nothing.
 */
export async function releaseUplink(hostNetns: string): Promise<void> {
  ready.delete(hostNetns);
  const names = uplinkNames(hostNetns);
  const link = await run(tool('ip'), ['link', 'del', names.hostEnd]);
  if (link.code !== 0 && !/Cannot find device/.test(link.stderr))
    throw new ContainerError('Internal', `delete uplink ${names.hostEnd}: ${toolOutput(link)}`);
  const t = await run(tool('nft'), ['list', 'table', 'ip', names.hostTable]);
  if (t.code === 0)
    await runChecked(`delete table ${names.hostTable}`, tool('nft'), ['delete', 'table', 'ip', names.hostTable]);
  await fs.rm(names.lock, { force: true });
}
