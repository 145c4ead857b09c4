import path from 'node:path';
import { ContainerError } from '../../../common/errors';
import type { PortRequest, PublishedPort } from '../../../common/ports';
import type { HeldResource } from '../../contract';
import { readJson, writeJsonAtomic } from '../../fsutil';
import type { StateStore } from '../../store';

/**
 * The simulated driver's host ports: an allocation table (<root>/sim/ports.json, "tcp 0.0.0.0:8080" → container
 * ID), no sockets. A port is taken when the same protocol and port are held on the same address or either side
 * is 0.0.0.0, as the kernel decides; an ephemeral one is the first free from 49153 (Docker's range).
 */
type Table = Record<string, string>;

const EPHEMERAL: [number, number] = [49153, 65535];

const slot = (proto: string, ip: string, port: number) => `${proto} ${ip}:${port}`;

function parseSlot(s: string): { proto: string; ip: string; port: number } {
  const [proto, addr] = s.split(' ') as [string, string];
  const colon = addr.lastIndexOf(':');
  return { proto, ip: addr.slice(0, colon), port: Number(addr.slice(colon + 1)) };
}

function taken(table: Table, proto: string, ip: string, port: number): boolean {
  return Object.keys(table).some((s) => {
    const o = parseSlot(s);
    return o.proto === proto && o.port === port && (o.ip === ip || o.ip === '0.0.0.0' || ip === '0.0.0.0');
  });
}

export class SimPorts {
  constructor(
    private readonly sim: string,
    private readonly locks: StateStore,
  ) {}

  private get file(): string {
    return path.join(this.sim, 'ports.json');
  }

  /** Allocates every request for `id` (its earlier allocations dropped first), or none. */
  publish(id: string, requests: readonly PortRequest[]): Promise<PublishedPort[]> {
    return this.locks.withLock('_ports', async () => {
      const table = this.without(await this.read(), id);
      const out: PublishedPort[] = [];
      for (const r of requests) {
        const ip = r.hostIp || '0.0.0.0';
        const [lo, hi] = r.hostPorts[0] === 0 ? EPHEMERAL : r.hostPorts;
        let port: number | undefined;
        for (let p = lo; p <= hi && port === undefined; p++) if (!taken(table, r.proto, ip, p)) port = p;
        if (port === undefined) {
          const what = r.hostPorts[0] === 0 ? 'no free port' : lo === hi ? String(lo) : `${lo}-${hi}`;
          throw new ContainerError('StartFailed', `Bind for ${ip}:${what} failed: port is already allocated`, {
            retryable: false,
          });
        }
        table[slot(r.proto, ip, port)] = id;
        out.push({ key: r.key, HostIp: ip, HostPort: String(port) });
      }
      await writeJsonAtomic(this.file, table);
      return out;
    });
  }

  unpublish(id: string): Promise<void> {
    return this.locks.withLock('_ports', async () => {
      const table = await this.read();
      const kept = this.without(table, id);
      if (Object.keys(kept).length !== Object.keys(table).length) await writeJsonAtomic(this.file, kept);
    });
  }

  async held(): Promise<HeldResource[]> {
    return Object.entries(await this.read()).map(([s, id]) => ({ kind: 'port' as const, containerId: id, detail: s }));
  }

  private async read(): Promise<Table> {
    return (await readJson<Table>(this.file)) ?? {};
  }

  private without(table: Table, id: string): Table {
    return Object.fromEntries(Object.entries(table).filter(([, owner]) => owner !== id));
  }
}
