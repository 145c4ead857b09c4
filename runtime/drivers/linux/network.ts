import { promises as fs } from 'node:fs';
import type { NetworkSettings } from '../../../common/types';
import type { StepContext } from '../../contract';
import { cniAdd, cniDel, ipamAllocations, settingsFromResult, type CniNetwork, type CniResult } from './cni';
import { writeFileReplace } from './files';
import { netnsName, netnsPath, type Layout } from '../layout';
import { mountAt, readMountInfo, type MountInfo } from './mountinfo';
import type { IdRange } from '../../../config/userns-remap';
import { deleteNetns, deleteUserns, ensureNetns, netnsExists, netnsMounted } from './netns';
import { ensureUplink } from './uplink';

/**
 * A container's own network: its named netns (cs-<id12>) and, for bridge, its CNI attachment. Records
 * (NetworkSettings) are the driver's business; this module only creates and releases what the system holds.
 */

/** The container's own netns (lo up), with an ownership marker written first so a sweep finds it. */
export async function ownNetns(
  l: Layout,
  id: string,
  remap: IdRange | undefined,
  mounts?: readonly MountInfo[],
): Promise<{ created: boolean }> {
  const name = netnsName(id);
  await fs.mkdir(l.netnsMarkers, { recursive: true });
  await fs.writeFile(l.netnsMarker(name), id);
  const userns = remap ? { file: l.userns(id), range: remap } : undefined;
  return ensureNetns(name, { reassertLo: true, mounts, userns });
}

/**
 * The stored ADD result (DEL's prevResult, and what a retried ADD adopts). It is a cache of kernel state —
 * the veth and the address configured in the netns — which a machine crash ends, so it is replaced
 * atomically (rename) but not fsynced: a worker's death keeps it (the page cache survives), and after a
 * machine crash the netns is gone, so the next acquire redoes DEL + ADD and a release runs DEL from the
 * IPAM store's own allocation file. A file a crash left unreadable (empty, torn) counts as absent.
 */
async function readCniResult(l: Layout, id: string): Promise<CniResult | undefined> {
  let text: string;
  try {
    text = await fs.readFile(l.cniResult(id), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as CniResult;
  } catch {
    return undefined;
  }
}

/**
 * bridge: the host-side netns and its uplink (uplink.ts), then netns + CNI ADD (the result stored for DEL's
 * prevResult). Adopts a complete earlier ADD (result stored, netns present). After a partial one (netns left, or
 * a result whose netns is gone), DEL first so the ADD starts clean.
 */
export async function connectBridge(
  net: CniNetwork,
  l: Layout,
  id: string,
  remap: IdRange | undefined,
  ctx?: StepContext,
): Promise<NetworkSettings> {
  const nsPath = netnsPath(netnsName(id));
  const [prev, mounts] = await Promise.all([readCniResult(l, id), readMountInfo()]);
  if (!netnsMounted(net.hostNetns, mounts)) await ensureNetns(net.hostNetns, { reassertLo: false });
  await ensureUplink(net.hostNetns, net.uplinkSubnet);
  if (prev && netnsMounted(netnsName(id), mounts) && (!remap || mountAt(mounts, l.userns(id))))
    return settingsFromResult(prev, nsPath);
  const { created } = await ownNetns(l, id, remap, mounts);
  if (!created || prev) {
    ctx?.progress?.('CNI DEL of an earlier partial ADD');
    await cniDel(net, id, nsPath, prev);
    await fs.rm(l.cniResult(id), { force: true });
  }
  ctx?.progress?.('CNI ADD');
  const result = await cniAdd(net, id, nsPath);
  await writeFileReplace(l.cniResult(id), `${JSON.stringify(result)}\n`, 0o600);
  return settingsFromResult(result, nsPath);
}

/**
 * CNI DEL (with the stored ADD result as prevResult), then the netns, only once DEL succeeded. DEL runs
 * whenever an ADD may have allocated something: a stored result or a host-local allocation for this ID
 * (read from the IPAM dataDir, not from a flag). Without either there is nothing for DEL to free: the veth
 * of a cut-short ADD lives in the container's netns and goes with it. Idempotent.
 */
export async function releaseOwnNetwork(net: CniNetwork, l: Layout, id: string, ctx?: StepContext): Promise<void> {
  const name = netnsName(id);
  const prev = await readCniResult(l, id);
  const allocated = (await ipamAllocations(l.ipamDir)).some((a) => a.containerId === id);
  if (prev || allocated) {
    ctx?.progress?.('CNI DEL');
    await ensureNetns(net.hostNetns, { reassertLo: false });
    await cniDel(net, id, (await netnsExists(name)) ? netnsPath(name) : '', prev);
    await fs.rm(l.cniResult(id), { force: true });
  }
  await deleteNetns(name);
  await deleteUserns(l.userns(id));
  await fs.rm(l.netnsMarker(name), { force: true });
}
