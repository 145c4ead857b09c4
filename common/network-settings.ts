/** A container's NetworkSettings on its record, and what a released network leaves of them. */
import { emptyEndpoint, type EndpointSettings } from './network-types';
import type { PortMap } from './types';

export interface NetworkSettings {
  IPAddress: string;
  IPPrefixLen: number;
  Gateway: string;
  MacAddress: string;
  /** path of the network namespace the container runs in ('' for host networking) */
  SandboxKey: string;
  /** what the running container publishes (Docker's NetworkSettings.Ports); absent when nothing runs */
  Ports?: PortMap;
  /** the container's endpoints by network name (Docker's); absent in records from before user networks */
  Networks?: Record<string, EndpointSettings>;
}

/** The settings of a container with no network (created, failed, stopped): spread it, never share it. */
export const NO_NETWORK: Readonly<NetworkSettings> = Object.freeze({
  IPAddress: '',
  IPPrefixLen: 0,
  Gateway: '',
  MacAddress: '',
  SandboxKey: '',
});

/**
 * What a released network leaves on the record: no addresses, and the endpoints' configuration (network,
 * aliases, --ip) kept, as Docker keeps a stopped container's Networks for its next start.
 */
export function releasedNetwork(ns: NetworkSettings | undefined): NetworkSettings {
  if (!ns?.Networks) return { ...NO_NETWORK };
  const kept = Object.entries(ns.Networks).map(([name, ep]) => [
    name,
    emptyEndpoint(ep.NetworkID, { IPAMConfig: ep.IPAMConfig, Links: ep.Links, Aliases: ep.Aliases }),
  ]);
  return { ...NO_NETWORK, Networks: Object.fromEntries(kept) as Record<string, EndpointSettings> };
}
