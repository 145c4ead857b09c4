import { findNetworkIn, noSuchNetwork } from '../common/network-lookup';
import { ContainerError } from '../common/errors';
import type { NetworkInspectInput, NetworkResource, NetworkView } from '../common/network-api';
import { onEveryHost } from './host-verbs';
import { fast } from './options';

/**
 * The network reads across hosts (served by the reads workflow): each live host's networks with the containers
 * on them, one entry per network ID (a create without --host made the same ID on every host) with the hosts
 * that have it and the containers of all of them.
 */
export async function networkList(): Promise<NetworkView[]> {
  const byId = new Map<string, NetworkView>();
  for (const { host, answer } of await onEveryHost(fast, (acts) => acts.listNetworks())) {
    for (const net of answer) {
      // the predefined networks are each host's own (their IDs differ): one entry by name
      const key = ['bridge', 'host', 'none'].includes(net.Name) ? `predefined:${net.Name}` : net.Id;
      const seen = byId.get(key);
      if (!seen) byId.set(key, { ...net, hosts: [host] });
      else {
        seen.hosts.push(host);
        seen.Containers = { ...seen.Containers, ...net.Containers };
      }
    }
  }
  return [...byId.values()];
}

/** Docker's lookup over the merged list: exact name, full ID, then a unique ID prefix; else 404. */
export function findView(all: readonly NetworkView[], ref: string): NetworkView {
  const found = findNetworkIn(all, ref);
  if (!found) throw new ContainerError('NoSuchNetwork', noSuchNetwork(ref));
  return found;
}

/** docker network inspect NETWORK. */
export async function networkInspect(input: NetworkInspectInput): Promise<NetworkView> {
  return findView(await networkList(), input.network);
}

/** Where a network is, by the merged list (for connect's cross-host message). */
export async function hostsWithNetwork(ref: string): Promise<string[]> {
  try {
    return findView(await networkList(), ref).hosts;
  } catch {
    return [];
  }
}

export type { NetworkResource };
