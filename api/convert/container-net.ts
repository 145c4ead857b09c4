import { parseNetMode } from '../../common/net-mode';
import { emptyEndpoint, isPredefinedNetwork, type EndpointSettings } from '../../common/network-types';
import { mountPointsOf } from '../../common/mount-plan';
import type { ContainerRecord } from '../../common/types';

/**
 * What a container's record says about its network and mounts, in the shapes Docker's inspect and list
 * both use: NetworkSettings.Networks (one endpoint, on the network of its mode), Mounts (its binds and named
 * volumes; --tmpfs mounts are not listed, as in Docker).
 */

/** One endpoint as Docker's inspect shows it (IPv4 only: the IPv6 fields are empty). */
function endpointJson(ep: EndpointSettings) {
  return {
    IPAMConfig: ep.IPAMConfig,
    Links: ep.Links,
    Aliases: ep.Aliases,
    MacAddress: ep.MacAddress,
    DriverOpts: null,
    NetworkID: ep.NetworkID,
    EndpointID: ep.EndpointID,
    Gateway: ep.Gateway,
    IPAddress: ep.IPAddress,
    IPPrefixLen: ep.IPPrefixLen,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: ep.DNSNames,
  };
}

/**
 * NetworkSettings.Networks: the record's endpoints; for a record from before user networks, one on the
 * network of its mode. A container sharing another's network has none of its own.
 */
export function networksOf(rec: ContainerRecord): Record<string, unknown> {
  const mode = parseNetMode(rec.HostConfig.NetworkMode);
  if (!mode || mode.kind === 'container') return {};
  const ns = rec.NetworkSettings;
  if (ns.Networks) {
    // Docker's API before 1.45 (this one serves 1.41) lists the short ID among a user network's aliases: Compose
    // 1.x reads it there to tell a container it already connected
    const shortId = rec.Id.slice(0, 12);
    const withShortId = (n: string, ep: EndpointSettings): EndpointSettings =>
      isPredefinedNetwork(n) ? ep : { ...ep, Aliases: [...new Set([...(ep.Aliases ?? []), shortId])] };
    return Object.fromEntries(Object.entries(ns.Networks).map(([n, ep]) => [n, endpointJson(withShortId(n, ep))]));
  }
  return {
    [mode.target ?? mode.kind]: endpointJson({
      ...emptyEndpoint(''),
      Gateway: ns.Gateway,
      IPAddress: ns.IPAddress,
      IPPrefixLen: ns.IPPrefixLen,
      MacAddress: ns.MacAddress,
    }),
  };
}

/**
 * NetworkSettings' top-level address fields, which Docker fills from the default bridge's endpoint only (a
 * container on user-defined networks shows them empty).
 */
export function defaultBridgeAddress(
  rec: ContainerRecord,
): Pick<EndpointSettings, 'IPAddress' | 'IPPrefixLen' | 'Gateway' | 'MacAddress' | 'EndpointID'> {
  const ns = rec.NetworkSettings;
  const ep = ns.Networks ? ns.Networks.bridge : { ...ns, EndpointID: '' };
  return {
    IPAddress: ep?.IPAddress ?? '',
    IPPrefixLen: ep?.IPPrefixLen ?? 0,
    Gateway: ep?.Gateway ?? '',
    MacAddress: ep?.MacAddress ?? '',
    EndpointID: ep?.EndpointID ?? '',
  };
}

export interface MountPoint {
  Type: 'bind' | 'volume' | 'tmpfs';
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

/** Mounts: the mount points create decided (records from before: each bind and named volume of -v), in order. */
export function mountsOf(rec: ContainerRecord): MountPoint[] {
  return mountPointsOf(rec).map((p) => {
    const rest = { Mode: p.Mode, RW: p.RW, Propagation: p.Propagation };
    if (p.Type !== 'volume') return { Type: p.Type, Source: p.Source ?? '', Destination: p.Destination, ...rest };
    // records from before mount points did not keep a volume's directory (it is on the worker's host)
    const at = { Source: p.Source ?? '', Destination: p.Destination, Driver: 'local' };
    return { Type: 'volume', Name: p.Name!, ...at, ...rest };
  });
}
