import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { HeldResource } from '../../contract';
import { exists } from '../../fsutil';
import { ipamAllocations } from './cni';
import { registeredExecs } from './exec-process';
import { Layout, netnsName, netnsPath } from '../layout';
import { mountsUnder, readMountInfo } from './mountinfo';
import { listNetns } from './netns';
import { listRuncContainers } from './runc';
import { markedProxies } from './port-proxy';
import { heldPorts } from './ports';
import { isLive, readIntFile, type ExecRecord } from './shim';
import { isFullId } from '../../../common/names';

/**
 * What the Linux driver really holds on this machine, read from the system itself (mount table, /run/netns,
 * the IPAM dataDir, the runc root) and from its records (exec records, bundles), each with its container ID.
 * The netns directory is shared by every state root, so a netns counts for this root when its ownership marker
 * (<root>/netns/<name>) or a container of this root claims it.
 */
export async function heldResources(root: string): Promise<HeldResource[]> {
  const layout = new Layout(root);
  const held: HeldResource[] = [];
  const ids = (await fs.readdir(layout.containers).catch(() => [] as string[])).filter(isFullId);

  // Every resource is reported with a full container ID, never '' (a consumer such as gc acts on the ID):
  // what cannot be attributed to a container (a mount elsewhere below the root) is not the driver's.
  for (const m of mountsUnder(await readMountInfo(), layout.containers)) {
    const id = path.relative(layout.containers, m.mountPoint).split(path.sep)[0]!;
    if (isFullId(id)) held.push({ kind: 'mount', containerId: id, detail: `${m.fsType} ${m.mountPoint}` });
  }

  const markers = new Map<string, string>();
  for (const name of await fs.readdir(layout.netnsMarkers).catch(() => [] as string[])) {
    markers.set(name, (await fs.readFile(layout.netnsMarker(name), 'utf8').catch(() => '')).trim());
  }
  for (const name of await listNetns()) {
    if (!name.startsWith('cs-')) continue;
    const marked = markers.get(name);
    const owner = marked !== undefined && isFullId(marked) ? marked : ids.find((id) => netnsName(id) === name);
    if (owner !== undefined) held.push({ kind: 'netns', containerId: owner, detail: netnsPath(name) });
  }

  // (an allocation file caught while host-local writes it reads empty: it is seen on the next look)
  for (const a of await ipamAllocations(layout.ipamDir))
    if (isFullId(a.containerId)) held.push({ kind: 'ip', containerId: a.containerId, detail: a.ip });
  for (const id of await listRuncContainers(layout.runcRoot))
    held.push({ kind: 'runc', containerId: id, detail: layout.runcState(id) });

  held.push(...(await heldPorts(layout, ids)));
  for (const id of ids) {
    try {
      const rec = JSON.parse(await fs.readFile(layout.execRecord(id), 'utf8')) as ExecRecord;
      held.push({
        kind: 'process',
        containerId: id,
        detail: `pid ${rec.pid ?? '?'} conmon ${rec.conmonPid ?? rec.shimPid ?? '?'}`,
      });
    } catch {
      // no exec record
    }
    for (const e of await registeredExecs(layout, id))
      held.push({ kind: 'process', containerId: id, detail: `exec ${e.execId.slice(0, 12)} pid ${e.pid ?? '?'}` });
    if (await exists(layout.bundle(id))) held.push({ kind: 'bundle', containerId: id, detail: layout.bundle(id) });
  }
  return held;
}

/**
 * What of one container is still held (for leak tests): its mounts, netns, IPAM allocations, runc container,
 * exec record, bundle, port proxies (even after its directory is gone), a still-live process and its
 * cgroup. Empty when everything was released.
 */
export async function leaksOf(root: string, containerId: string): Promise<string[]> {
  const layout = new Layout(root);
  const leaks = (await heldResources(root))
    .filter((h) => h.containerId === containerId)
    .map((h) => `${h.kind}: ${h.detail}`);
  const ns = netnsName(containerId);
  if ((await listNetns()).includes(ns) && !leaks.some((l) => l === `netns: ${netnsPath(ns)}`))
    leaks.push(`netns: ${netnsPath(ns)}`);
  for (const p of await markedProxies(containerId))
    if (!leaks.some((l) => l.includes(`pid ${p.pid}`))) leaks.push(`port: proxy pid ${p.pid}`);
  const pid = await readIntFile(layout.pidFile(containerId));
  if (pid !== undefined && (await isLive(pid))) leaks.push(`process: pid ${pid} still running`);
  for (const dir of await cgroupDirs(layout.cgroupsPath(containerId))) leaks.push(`cgroup: ${dir}`);
  return leaks;
}

/** The container's cgroup directories still present (v2: one; v1: one per hierarchy). */
async function cgroupDirs(cgroupsPath: string): Promise<string[]> {
  const base = '/sys/fs/cgroup';
  const candidates = [path.join(base, cgroupsPath)];
  for (const h of await fs.readdir(base).catch(() => [] as string[])) candidates.push(path.join(base, h, cgroupsPath));
  const found = await Promise.all(candidates.map(async (c) => ((await exists(c)) ? c : undefined)));
  return found.filter((c): c is string => c !== undefined);
}
