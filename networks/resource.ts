import type { NetworkContainer, NetworkPruneInput, NetworkResource } from '../common/network-api';
import { isPredefinedNetwork, type NetworkRecord } from '../common/network-types';
import { bareName } from '../common/names';
import type { ContainerRecord } from '../common/types';

/** Containers that hold an endpoint on the network: running ones, and one a start is wiring. */
export function usersOf(net: NetworkRecord, recs: readonly ContainerRecord[]): ContainerRecord[] {
  return recs.filter(
    (r) =>
      (r.State.Running || r.StartingBy !== undefined) &&
      Object.values(r.NetworkSettings.Networks ?? {}).some((ep) => ep.NetworkID === net.Id),
  );
}

/** Docker's NetworkResource.Containers (pure): each running container's endpoint on the network. */
export function containersOn(net: NetworkRecord, recs: readonly ContainerRecord[]): Record<string, NetworkContainer> {
  const out: Record<string, NetworkContainer> = {};
  for (const r of recs) {
    if (!r.State.Running) continue;
    const ep = Object.values(r.NetworkSettings.Networks ?? {}).find((e) => e.NetworkID === net.Id);
    if (!ep) continue;
    out[r.Id] = {
      Name: bareName(r.Name),
      EndpointID: ep.EndpointID,
      MacAddress: ep.MacAddress,
      IPv4Address: ep.IPAddress ? `${ep.IPAddress}/${ep.IPPrefixLen}` : '',
      IPv6Address: '',
    };
  }
  return out;
}

export function resourceOf(net: NetworkRecord, recs: readonly ContainerRecord[]): NetworkResource {
  return { ...net, Containers: containersOn(net, recs) };
}

/** `key` or `key=value` among the labels (Docker's label filter). */
export function hasLabel(labels: Readonly<Record<string, string>>, filter: string): boolean {
  const eq = filter.indexOf('=');
  if (eq < 0) return Object.hasOwn(labels, filter);
  return labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}

/** Whether prune takes the network (pure): a user network nothing uses, that the filters take. */
export function prunable(net: NetworkRecord, inUse: boolean, input: Omit<NetworkPruneInput, 'host'>): boolean {
  if (isPredefinedNetwork(net.Name) || inUse) return false;
  if (!(input.labels ?? []).every((l) => hasLabel(net.Labels, l))) return false;
  if ((input.labelsNot ?? []).some((l) => hasLabel(net.Labels, l))) return false;
  if (input.until !== undefined && !(Date.parse(net.Created) < Date.parse(input.until))) return false;
  return true;
}
