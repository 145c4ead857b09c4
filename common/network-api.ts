/**
 * Inputs and results of the network verbs (workflows/network-verbs.ts, activities/network-verbs.ts, the CLI and
 * the Engine API share them): workflow-safe types.
 */
import type { EndpointConfig, IpamPool, NetworkCreateRequest, NetworkRecord } from './network-types';

/** A container on a network, as Docker's network inspect lists it (running containers only). */
export interface NetworkContainer {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  /** "ip/len" */
  IPv4Address: string;
  IPv6Address: string;
}

/** Docker's NetworkResource: the record and the containers on it. */
export interface NetworkResource extends NetworkRecord {
  Containers: Record<string, NetworkContainer>;
}

/** One network across hosts: the hosts that have it (the same ID on each: one create made it on all). */
export type NetworkView = NetworkResource & { hosts: string[] };

/** `docker network create`: on `host`, else on every live host (one ID, one subnet on all). */
export interface NetworkCreateInput {
  request: NetworkCreateRequest;
  host?: string;
}
export interface NetworkCreateResult {
  Id: string;
  Warning: string;
  hosts: string[];
}
/** One host's part of a create: the ID the workflow chose, and the pool the first host planned. */
export interface NetworkCreateOnHost {
  request: NetworkCreateRequest;
  id: string;
  pools?: IpamPool[];
}

/** `docker network rm NETWORK`: on `host`, else on every live host that has it. */
export interface NetworkRemoveInput {
  network: string;
  host?: string;
  /** the host's activity only checks (the workflow asks every host before any removes) */
  dryRun?: boolean;
}
export interface NetworkRemoveResult {
  id: string;
  name: string;
  hosts: string[];
}

/** `docker network prune` (POST /networks/prune?filters=) */
export interface NetworkPruneInput {
  /** `label=KEY[=VALUE]`: each must match */
  labels?: string[];
  /** `label!=KEY[=VALUE]`: none may match */
  labelsNot?: string[];
  /** `until=`: networks created before this time (ISO 8601) */
  until?: string;
  host?: string;
}
export interface NetworkPruneResult {
  NetworksDeleted: string[] | null;
}

/** `docker network connect [--alias] [--ip] NETWORK CONTAINER` */
export interface NetworkConnectInput {
  network: string;
  container: string;
  config?: EndpointConfig;
}
/** `docker network disconnect [-f] NETWORK CONTAINER` */
export interface NetworkDisconnectInput {
  network: string;
  container: string;
  force: boolean;
}
export interface NetworkConnectResult {
  containerId: string;
  networkId: string;
  host: string;
}

/** `docker network inspect NETWORK` (a read): by name, full ID or unique ID prefix across hosts. */
export interface NetworkInspectInput {
  network: string;
}
