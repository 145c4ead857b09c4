/** Networks and endpoints with Docker's field names (the networks API, inspect's NetworkSettings.Networks). */

export type NetworkDriverName = 'bridge' | 'host' | 'null';

/** One IPAM pool: Docker's network.IPAMConfig. */
export interface IpamPool {
  Subnet: string;
  Gateway?: string;
  IPRange?: string;
}

/** A host's network as Docker's NetworkResource shows it (without Containers, which inspect adds). */
export interface NetworkRecord {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: NetworkDriverName;
  EnableIPv6: boolean;
  IPAM: { Driver: 'default'; Options: Record<string, string> | null; Config: IpamPool[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

/** A container's endpoint on one network (Docker's EndpointSettings); the IP fields are empty while stopped. */
export interface EndpointSettings {
  IPAMConfig: { IPv4Address?: string } | null;
  Links: string[] | null;
  Aliases: string[] | null;
  MacAddress: string;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  DNSNames: string[] | null;
}

/** POST /networks/create's body, as far as a local bridge network has it. */
export interface NetworkCreateRequest {
  Name: string;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  EnableIPv6?: boolean;
  Labels?: Record<string, string>;
  Options?: Record<string, string>;
  IPAM?: { Driver?: string; Config?: IpamPool[]; Options?: Record<string, string> };
}

/** The default bridge's CNI name, which is also its IPAM directory (as it was before user networks). */
export const DEFAULT_BRIDGE_CNI = 'container-saga';

/** What a create may ask of an endpoint (Docker's EndpointsConfig entry, as far as a bridge network has it). */
export interface EndpointConfig {
  Aliases?: string[];
  Links?: string[];
  IPAMConfig?: { IPv4Address?: string };
}

/** The networks every host has (Docker's predefined ones): they cannot be created, removed or pruned. */
export const PREDEFINED_NETWORKS = ['bridge', 'host', 'none'] as const;

export function isPredefinedNetwork(name: string): boolean {
  return (PREDEFINED_NETWORKS as readonly string[]).includes(name);
}

/** An endpoint with nothing allocated yet: what create records, and what a release leaves. */
export function emptyEndpoint(networkId: string, config?: Partial<EndpointSettings>): EndpointSettings {
  return {
    IPAMConfig: config?.IPAMConfig ?? null,
    Links: config?.Links ?? null,
    Aliases: config?.Aliases ?? null,
    MacAddress: '',
    NetworkID: networkId,
    EndpointID: '',
    Gateway: '',
    IPAddress: '',
    IPPrefixLen: 0,
    DNSNames: null,
  };
}
