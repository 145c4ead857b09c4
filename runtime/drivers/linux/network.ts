import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { EndpointAddress } from '../../driver';
import type { StepContext } from '../../contract';
import {
  CNI_IFNAME,
  cniAdd,
  cniDel,
  DEFAULT_CNI_NAME,
  ipamAllocations,
  settingsFromResult,
  type CniNetwork,
  type CniResult,
} from './cni';
import { writeFileReplace } from './files';
import { netnsName, netnsPath, type Layout } from '../layout';
import { mountAt, readMountInfo, type MountInfo } from './mountinfo';
import type { IdRange } from '../../../config/userns-remap';
import { deleteNetns, deleteUserns, ensureNetns, netnsExists, netnsMounted } from './netns';

/**
 * A container's own network: its named netns (cs-<id12>) and its CNI attachments, one per bridge network
 * (eth0 first). Records (NetworkSettings) are the driver's business; this module only creates and releases
 * what the system holds, and keeps per attachment a file with the network's CNI config and the interface
 * (written before ADD, so a release finds a cut-short ADD) and the ADD's result (DEL's prevResult).
 */

/** One attachment's file: enough to DEL it with nothing else known. */
interface AttachmentState {
  net: CniNetwork;
  ifname: string;
  result?: CniResult;
}

/** A network to attach and the address asked for (--ip). */
export interface AttachRequest {
  net: CniNetwork;
  ip?: string;
}

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

const stateFile = (l: Layout, id: string, cniName: string) => l.cniAttachment(id, cniName);

/**
 * The attachments' files (a cache of kernel state, replaced atomically but not fsynced: after a machine crash
 * the netns is gone and the next acquire redoes DEL + ADD). A torn file counts as absent. The default bridge of
 * records from before user networks kept only its result, in cni-result.json.
 */
async function readStates(l: Layout, id: string, legacyNet: CniNetwork): Promise<AttachmentState[]> {
  const names = await fs.readdir(l.container(id)).catch(() => [] as string[]);
  const out: AttachmentState[] = [];
  for (const n of names.filter((f) => /^cni-.+\.json$/.test(f) && f !== 'cni-result.json')) {
    const s = await readJsonFile<AttachmentState>(path.join(l.container(id), n));
    if (s?.net && s.ifname) out.push(s);
  }
  const legacy = await readJsonFile<CniResult>(l.cniResult(id));
  if (legacy && !out.some((s) => s.net.name === DEFAULT_CNI_NAME))
    out.push({ net: legacyNet, ifname: CNI_IFNAME, result: legacy });
  return out;
}

async function readJsonFile<T>(file: string): Promise<T | undefined> {
  const text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  try {
    return text === undefined ? undefined : (JSON.parse(text) as T);
  } catch {
    return undefined;
  }
}

const addressOf = (result: CniResult, id: string): EndpointAddress => {
  const { IPAddress, IPPrefixLen, Gateway, MacAddress } = settingsFromResult(result, netnsPath(netnsName(id)));
  return { IPAddress, IPPrefixLen, Gateway, MacAddress };
};

/** DEL of one attachment (its file's config and interface), then its files. Repeatable. */
async function detach(l: Layout, id: string, s: AttachmentState, ctx?: StepContext): Promise<void> {
  ctx?.progress?.(`CNI DEL (${s.net.name})`);
  await ensureNetns(s.net.hostNetns, { reassertLo: false });
  const name = netnsName(id);
  await cniDel(
    s.net,
    { containerId: id, netns: (await netnsExists(name)) ? netnsPath(name) : '', ifname: s.ifname },
    s.result,
  );
  await fs.rm(stateFile(l, id, s.net.name), { force: true });
  if (s.net.name === DEFAULT_CNI_NAME) await fs.rm(l.cniResult(id), { force: true });
}

/** ADD of one attachment, its file written first (a release after a cut-short ADD finds it). */
async function attach(
  l: Layout,
  id: string,
  req: AttachRequest,
  ifname: string,
  ctx?: StepContext,
): Promise<EndpointAddress> {
  const file = stateFile(l, id, req.net.name);
  await writeFileReplace(file, `${JSON.stringify({ net: req.net, ifname })}\n`, 0o600);
  ctx?.progress?.(`CNI ADD (${req.net.name})`);
  const result = await cniAdd(req.net, { containerId: id, netns: netnsPath(netnsName(id)), ifname, ip: req.ip });
  await writeFileReplace(file, `${JSON.stringify({ net: req.net, ifname, result })}\n`, 0o600);
  return addressOf(result, id);
}

/**
 * The container's netns and one CNI ADD per network (eth0, eth1… in order). Adopts what a complete earlier
 * attempt left (netns present, result stored); an attachment cut short, or any left in a netns made anew, is
 * DELed first so its ADD starts clean.
 */
export async function connectBridges(
  l: Layout,
  id: string,
  reqs: readonly AttachRequest[],
  legacyNet: CniNetwork,
  remap: IdRange | undefined,
  ctx?: StepContext,
): Promise<EndpointAddress[]> {
  const [states, mounts] = await Promise.all([readStates(l, id, legacyNet), readMountInfo()]);
  const nsUp = netnsMounted(netnsName(id), mounts) && (!remap || mountAt(mounts, l.userns(id)) !== undefined);
  const stateOf = (name: string) => states.find((s) => s.net.name === name);
  if (nsUp && reqs.every((r) => stateOf(r.net.name)?.result))
    return reqs.map((r) => addressOf(stateOf(r.net.name)!.result!, id));
  for (const hostNetns of new Set(reqs.map((r) => r.net.hostNetns)))
    if (!netnsMounted(hostNetns, mounts)) await ensureNetns(hostNetns, { reassertLo: false });
  const { created } = await ownNetns(l, id, remap, mounts);
  const out: EndpointAddress[] = [];
  for (const [i, req] of reqs.entries()) {
    const prev = stateOf(req.net.name);
    if (!created && prev?.result) {
      out.push(addressOf(prev.result, id));
      continue;
    }
    if (prev) await detach(l, id, prev, ctx);
    else if (await allocatedIn(l, id, req.net.name)) await detach(l, id, { net: req.net, ifname: `eth${i}` }, ctx);
    out.push(await attach(l, id, req, `eth${i}`, ctx));
  }
  return out;
}

async function allocatedIn(l: Layout, id: string, cniName: string): Promise<boolean> {
  return (await ipamAllocations(l.ipamDir, cniName)).some((a) => a.containerId === id);
}

/** network connect: one more attachment of a container's existing netns, on the first free ethN. */
export async function connectOne(
  l: Layout,
  id: string,
  req: AttachRequest,
  legacyNet: CniNetwork,
  ctx?: StepContext,
): Promise<EndpointAddress> {
  const states = await readStates(l, id, legacyNet);
  const prev = states.find((s) => s.net.name === req.net.name);
  if (prev?.result) return addressOf(prev.result, id);
  if (prev) await detach(l, id, prev, ctx);
  const used = new Set(states.filter((s) => s !== prev).map((s) => s.ifname));
  let n = 0;
  while (used.has(`eth${n}`)) n++;
  return attach(l, id, req, `eth${n}`, ctx);
}

/** network disconnect: DEL of one attachment. Idempotent. */
export async function disconnectOne(
  l: Layout,
  id: string,
  cniName: string,
  legacyNet: CniNetwork,
  ctx?: StepContext,
): Promise<void> {
  const s = (await readStates(l, id, legacyNet)).find((x) => x.net.name === cniName);
  if (s) await detach(l, id, s, ctx);
}

/**
 * CNI DEL of every attachment (with its stored result as prevResult), then the netns, only once every DEL
 * succeeded. The default bridge of a record from before attachment files is DELed when host-local holds an
 * address for the container there. Idempotent.
 */
export async function releaseOwnNetwork(
  legacyNet: CniNetwork,
  l: Layout,
  id: string,
  ctx?: StepContext,
): Promise<void> {
  const states = await readStates(l, id, legacyNet);
  if (!states.some((s) => s.net.name === DEFAULT_CNI_NAME) && (await allocatedIn(l, id, DEFAULT_CNI_NAME)))
    states.push({ net: legacyNet, ifname: CNI_IFNAME });
  for (const s of states) await detach(l, id, s, ctx);
  const name = netnsName(id);
  await deleteNetns(name);
  await deleteUserns(l.userns(id));
  await fs.rm(l.netnsMarker(name), { force: true });
}
