import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ContainerError } from '../common/errors';
import { findNetworkIn, noSuchNetwork } from '../common/network-lookup';
import { firstHost, formatIPv4, parseCidr } from '../common/cidr';
import type { NetworkDriverName, NetworkRecord } from '../common/network-types';
import { readJson, writeJsonAtomic } from '../runtime/fsutil';

/** What a host's default bridge is (the driver's subnet), from which the predefined networks are made. */
export interface NetworkDefaults {
  /** the default bridge's subnet */
  subnet: string;
}

/** Where a state root keeps its networks. */
export const networkStoreFile = (stateRoot: string) => path.join(stateRoot, 'networks', 'networks.json');

export { noSuchNetwork };

function defaultIpam(subnet: string | undefined): NetworkRecord['IPAM'] {
  const pool = subnet ? parseCidr(subnet) : undefined;
  return {
    Driver: 'default',
    Options: null,
    Config: pool && subnet ? [{ Subnet: subnet, Gateway: formatIPv4(firstHost(pool)) }] : [],
  };
}

function newNetwork(name: string, driver: NetworkDriverName, subnet?: string): NetworkRecord {
  return {
    Name: name,
    Id: randomBytes(32).toString('hex'),
    Created: new Date().toISOString(),
    Scope: 'local',
    Driver: driver,
    EnableIPv6: false,
    IPAM: defaultIpam(subnet),
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Options: driver === 'bridge' && name === 'bridge' ? { 'com.docker.network.bridge.default_bridge': 'true' } : {},
    Labels: {},
  };
}

/** A fresh record of a user-defined network (create checks the request first: networks/create.ts). */
export function userNetwork(fields: Partial<NetworkRecord> & Pick<NetworkRecord, 'Name' | 'IPAM'>): NetworkRecord {
  return {
    ...newNetwork(fields.Name, 'bridge'),
    ...fields,
    Options: fields.Options ?? {},
    Labels: fields.Labels ?? {},
  };
}

/**
 * A host's networks, as Docker's network controller keeps them: the predefined bridge (the driver's subnet),
 * host and none, made on first use with IDs of their own, and the user-defined bridge networks. One JSON file,
 * changed under one lock per store (one worker per state root), replaced atomically.
 */
export class NetworkStore {
  private lock: Promise<unknown> = Promise.resolve();

  constructor(
    readonly stateRoot: string,
    readonly defaults: NetworkDefaults,
  ) {}

  get file(): string {
    return networkStoreFile(this.stateRoot);
  }

  /** Runs fn with the store's changes serialised. */
  locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  async list(): Promise<NetworkRecord[]> {
    const stored = await readJson<{ networks: NetworkRecord[] }>(this.file);
    const all = stored?.networks.some((n) => n.Name === 'bridge')
      ? stored.networks
      : await this.locked(() => this.ensurePredefined());
    // the default bridge is the driver's: its subnet is whatever the driver was configured with now
    return all.map((n) => (n.Name === 'bridge' ? { ...n, IPAM: defaultIpam(this.defaults.subnet) } : n));
  }

  private async ensurePredefined(): Promise<NetworkRecord[]> {
    const stored = (await readJson<{ networks: NetworkRecord[] }>(this.file))?.networks ?? [];
    if (stored.some((n) => n.Name === 'bridge')) return stored;
    const all = [
      newNetwork('bridge', 'bridge', this.defaults.subnet),
      newNetwork('host', 'host'),
      newNetwork('none', 'null'),
      ...stored,
    ];
    await writeJsonAtomic(this.file, { networks: all });
    return all;
  }

  /** Docker's lookup: the exact name, then the full ID, then a unique ID prefix; else 404. */
  async find(ref: string): Promise<NetworkRecord> {
    const found = findNetwork(await this.list(), ref);
    if (!found) throw new ContainerError('NoSuchNetwork', noSuchNetwork(ref));
    return found;
  }

  /** Adds a network made under the lock by `make` from the ones there are (make throws to refuse). */
  async add(make: (existing: readonly NetworkRecord[]) => NetworkRecord): Promise<NetworkRecord> {
    return this.locked(async () => {
      const all = await this.ensurePredefined();
      const net = make(all);
      await writeJsonAtomic(this.file, { networks: [...all, net] });
      return net;
    });
  }

  /** Removes the network with this ID, after `check` (under the lock) did not refuse; false if it was gone. */
  async remove(id: string, check: (net: NetworkRecord) => Promise<void> | void): Promise<boolean> {
    return this.locked(async () => {
      const all = await this.ensurePredefined();
      const net = all.find((n) => n.Id === id);
      if (!net) return false;
      await check(net);
      await writeJsonAtomic(this.file, { networks: all.filter((n) => n.Id !== id) });
      return true;
    });
  }
}

/** Docker's network lookup (pure): exact name, full ID, then a unique ID prefix. */
export const findNetwork = (all: readonly NetworkRecord[], ref: string) => findNetworkIn(all, ref);
