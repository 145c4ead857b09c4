import type { PortRequest, PublishedPort } from '../../../common/ports';
import type { HeldResource, StepContext } from '../../contract';
import { readJson, removeFile, writeJsonAtomic } from '../../fsutil';
import type { Layout } from '../layout';
import { markedProxies, startProxy, stopProxy, type Proxy } from './port-proxy';
import { isLive } from './shim';

/**
 * A container's published ports: one proxy per binding (port-proxy.ts), recorded in ports.json (pid and start
 * time each) as each starts, so a release after the worker's death finds them; a proxy whose record was lost
 * (the worker died between spawn and write) is found by its mark in /proc.
 */
interface PortsRecord {
  /** the container IP the proxies forward to */
  ip: string;
  proxies: Proxy[];
}

const published = (rec: PortsRecord): PublishedPort[] =>
  rec.proxies.map(({ key, HostIp, HostPort }) => ({ key, HostIp, HostPort }));

/** Whether an earlier attempt's proxies are exactly what `requests` ask for, all still running. */
async function adoptable(rec: PortsRecord, ip: string, requests: readonly PortRequest[]): Promise<boolean> {
  if (rec.ip !== ip || rec.proxies.length !== requests.length) return false;
  for (const [i, r] of requests.entries()) {
    const p = rec.proxies[i]!;
    const port = Number(p.HostPort);
    const inRange = r.hostPorts[0] === 0 || (port >= r.hostPorts[0] && port <= r.hostPorts[1]);
    if (p.key !== r.key || p.HostIp !== (r.hostIp || '0.0.0.0') || !inRange) return false;
    if (!(await isLive(p.pid, p.start))) return false;
  }
  return true;
}

/**
 * Starts a proxy per request to ip (in hostNetns). Adopts a complete earlier attempt; after a partial one, stops
 * what it left first. A port taken fails with Docker's error after stopping the ones this call started.
 */
export async function publishPorts(
  l: Layout,
  hostNetns: string,
  id: string,
  ip: string,
  requests: readonly PortRequest[],
  ctx?: StepContext,
): Promise<PublishedPort[]> {
  const prev = await readJson<PortsRecord>(l.portsRecord(id)).catch(() => undefined);
  if (prev && (await adoptable(prev, ip, requests))) return published(prev);
  await unpublishPorts(l, id);
  const rec: PortsRecord = { ip, proxies: [] };
  try {
    for (const r of requests) {
      ctx?.progress?.(`publish ${r.hostIp || '0.0.0.0'}:${r.hostPorts.join('-')} -> ${r.key}`);
      rec.proxies.push(await startProxy(id, hostNetns, ip, r, l.portsLog(id)));
      await writeJsonAtomic(l.portsRecord(id), rec);
    }
  } catch (err) {
    await unpublishPorts(l, id);
    throw err;
  }
  return published(rec);
}

/** Stops every proxy of the container (recorded or marked), then drops the record. Idempotent. */
export async function unpublishPorts(l: Layout, id: string, ctx?: StepContext): Promise<void> {
  const rec = await readJson<PortsRecord>(l.portsRecord(id)).catch(() => undefined);
  const byPid = new Map([...(rec?.proxies ?? []), ...(await markedProxies(id))].map((p) => [p.pid, p]));
  const all = [...byPid.values()];
  if (all.length > 0) ctx?.progress?.(`stop ${all.length} port prox${all.length === 1 ? 'y' : 'ies'}`);
  await Promise.all(all.map((p) => stopProxy(p)));
  await removeFile(l.portsRecord(id));
}

/** The proxies held for containers of this root (ids: its containers), for leak checks and gc. */
export async function heldPorts(l: Layout, ids: readonly string[]): Promise<HeldResource[]> {
  const held: HeldResource[] = [];
  const seen = new Set<number>();
  for (const id of ids) {
    const rec = await readJson<PortsRecord>(l.portsRecord(id)).catch(() => undefined);
    for (const p of rec?.proxies ?? []) {
      if (!(await isLive(p.pid, p.start))) continue;
      seen.add(p.pid);
      held.push({ kind: 'port', containerId: id, detail: `${p.HostIp}:${p.HostPort}->${p.key} pid ${p.pid}` });
    }
  }
  for (const p of await markedProxies()) {
    if (seen.has(p.pid) || !ids.includes(p.id)) continue;
    held.push({ kind: 'port', containerId: p.id, detail: `proxy pid ${p.pid} (unrecorded)` });
  }
  return held;
}
