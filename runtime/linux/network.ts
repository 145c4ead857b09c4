import { promises as fs } from 'node:fs';
import type { NetworkSettings } from '../../common/types';
import type { StepContext } from '../contract';
import { readJson, writeJsonAtomic } from '../fsutil';
import { cniAdd, cniDel, ipamAllocations, settingsFromResult, type CniNetwork, type CniResult } from './cni';
import { netnsName, netnsPath, type Layout } from './layout';
import { readMountInfo } from './mountinfo';
import { deleteNetns, ensureNetns, netnsExists, netnsMounted } from './netns';

/**
 * A container's own network: its named netns (cs-<id12>) and, for bridge, its CNI attachment. Records
 * (NetworkSettings) are the driver's business; this module only creates and releases what the system holds.
 */

/** The container's own netns (lo up), with an ownership marker written first so a sweep finds it. */
export async function ownNetns(l: Layout, id: string): Promise<{ created: boolean }> {
  const name = netnsName(id);
  await fs.mkdir(l.netnsMarkers, { recursive: true });
  await fs.writeFile(l.netnsMarker(name), id);
  return ensureNetns(name, { reassertLo: true });
}

/**
 * bridge: netns + CNI ADD (the result stored for DEL's prevResult). Adopts a complete earlier ADD (result
 * stored, netns present). After a partial one (netns left, or a result whose netns is gone), DEL first so the
 * ADD starts clean.
 */
export async function connectBridge(net: CniNetwork, l: Layout, id: string, ctx?: StepContext): Promise<NetworkSettings> {
  const nsPath = netnsPath(netnsName(id));
  const [prev, mounts] = await Promise.all([readJson<CniResult>(l.cniResult(id)), readMountInfo()]);
  if (prev && netnsMounted(netnsName(id), mounts)) return settingsFromResult(prev, nsPath);
  if (!netnsMounted(net.hostNetns, mounts)) await ensureNetns(net.hostNetns, { reassertLo: false });
  const { created } = await ownNetns(l, id);
  if (!created || prev) {
    ctx?.progress?.('CNI DEL of an earlier partial ADD');
    await cniDel(net, id, nsPath, prev);
    await fs.rm(l.cniResult(id), { force: true });
  }
  ctx?.progress?.('CNI ADD');
  const result = await cniAdd(net, id, nsPath);
  await writeJsonAtomic(l.cniResult(id), result);
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
  const prev = await readJson<CniResult>(l.cniResult(id));
  const allocated = (await ipamAllocations(l.ipamDir)).some((a) => a.containerId === id);
  if (prev || allocated) {
    ctx?.progress?.('CNI DEL');
    await ensureNetns(net.hostNetns, { reassertLo: false });
    await cniDel(net, id, (await netnsExists(name)) ? netnsPath(name) : '', prev);
    await fs.rm(l.cniResult(id), { force: true });
  }
  await deleteNetns(name);
  await fs.rm(l.netnsMarker(name), { force: true });
}
