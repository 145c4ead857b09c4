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
  const found =
    all.find((n) => n.Name === ref) ??
    all.find((n) => n.Id === ref) ??
    (() => {
      if (!/^[0-9a-f]+$/.test(ref)) return undefined;
      const prefixed = all.filter((n) => n.Id.startsWith(ref));
      if (prefixed.length > 1)
        throw new ContainerError(
          'InvalidParameter',
          `network ${ref} is ambiguous (${prefixed.length} matches found based on ID prefix)`,
        );
      return prefixed[0];
    })();
  if (!found) throw new ContainerError('NoSuchNetwork', `network ${ref} not found`);
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
