import { promises as fs } from 'node:fs';
import path from 'node:path';
import { contains, firstHost, formatIPv4, parseCidr, parseIPv4, sizeOf } from '../../../common/cidr';
import { ContainerError } from '../../../common/errors';
import { DEFAULT_BRIDGE_CNI } from '../../../common/network-types';
import type { HeldResource } from '../../contract';
import type { BridgeAttachment, EndpointAddress } from '../../driver';
import { readJson, writeJsonAtomic } from '../../fsutil';
import type { StateStore } from '../../store';

export const SIM_DEFAULT_SUBNET = '10.88.0.0/16';

/** The default bridge of the simulated driver (the Linux driver's default subnet). */
const DEFAULT: Pick<BridgeAttachment, 'cniName' | 'subnet' | 'gateway'> = {
  cniName: DEFAULT_BRIDGE_CNI,
  subnet: SIM_DEFAULT_SUBNET,
  gateway: '10.88.0.1',
};

/**
 * The simulated driver's IPAM, host-local style: a table per network (ip → container ID) under <root>/sim,
 * one address per container and network, reused on retry; the default bridge's table is ipam.json.
 */
export class SimNetworks {
  constructor(
    private readonly sim: string,
    private readonly locks: StateStore,
  ) {}

  private table(cniName: string): string {
    return path.join(this.sim, cniName === DEFAULT.cniName ? 'ipam.json' : `ipam-${cniName}.json`);
  }

  async allocate(id: string, a?: BridgeAttachment): Promise<EndpointAddress> {
    const net = a ?? DEFAULT;
    const cidr = parseCidr(net.subnet)!;
    const file = this.table(net.cniName);
    return this.locks.withLock('_ipam', async () => {
      const table = (await readJson<Record<string, string>>(file)) ?? {};
      let ip = Object.entries(table).find(([, owner]) => owner === id)?.[0];
      if (!ip && a?.ip) {
        const want = parseIPv4(a.ip);
        if (want === undefined || !contains(cidr, want))
          throw new ContainerError('InvalidParameter', `requested IP address ${a.ip} is not in the network's subnet`);
        if (table[a.ip] || a.ip === net.gateway) throw new ContainerError('Conflict', 'Address already in use');
        ip = a.ip;
      }
      const last = cidr.base + sizeOf(cidr) - 2;
      for (let n = firstHost(cidr); !ip && n <= last; n++) {
        const candidate = formatIPv4(n);
        if (!table[candidate] && candidate !== net.gateway) ip = candidate;
      }
      if (!ip) throw new ContainerError('Internal', `no free IP in ${net.subnet}`);
      table[ip] = id;
      await writeJsonAtomic(file, table);
      return { IPAddress: ip, IPPrefixLen: cidr.prefix, Gateway: net.gateway, MacAddress: '' };
    });
  }

  /** Frees the container's address on one network, or on every network. */
  async release(id: string, cniName?: string): Promise<void> {
    await this.locks.withLock('_ipam', async () => {
      for (const file of cniName ? [this.table(cniName)] : await this.tables()) {
        const table = (await readJson<Record<string, string>>(file)) ?? {};
        const kept = Object.fromEntries(Object.entries(table).filter(([, owner]) => owner !== id));
        if (Object.keys(kept).length !== Object.keys(table).length) await writeJsonAtomic(file, kept);
      }
    });
  }

  async removeNetwork(cniName: string): Promise<void> {
    await fs.rm(this.table(cniName), { force: true });
  }

  private async tables(): Promise<string[]> {
    const names = await fs.readdir(this.sim).catch(() => [] as string[]);
    return names.filter((n) => /^ipam(-.+)?\.json$/.test(n)).map((n) => path.join(this.sim, n));
  }

  async held(): Promise<HeldResource[]> {
    const held: HeldResource[] = [];
    for (const file of await this.tables()) {
      const table = (await readJson<Record<string, string>>(file)) ?? {};
      for (const [ip, id] of Object.entries(table)) held.push({ kind: 'ip', containerId: id, detail: ip });
    }
    return held;
  }
}
