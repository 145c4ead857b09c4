import { createHash } from 'node:crypto';
import { DEFAULT_BRIDGE_CNI, type EndpointSettings, type NetworkRecord } from '../common/network-types';
import type { BridgeAttachment, BridgeRule } from '../runtime/driver';

/** The host's default bridge (the predefined `bridge`), which the driver wires with its own device and subnet. */
export const isDefaultBridge = (net: NetworkRecord) => net.Driver === 'bridge' && net.Name === 'bridge';

/** A network's CNI name (its IPAM directory) and bridge device: Docker names a user network's bridge br-<id12>. */
export function cniNameOf(net: NetworkRecord): string {
  return isDefaultBridge(net) ? DEFAULT_BRIDGE_CNI : `cs-${net.Id.slice(0, 12)}`;
}

/** '' for the default bridge: the driver's own device. */
export function bridgeOf(net: NetworkRecord): string {
  return isDefaultBridge(net) ? '' : `br-${net.Id.slice(0, 12)}`;
}

/** How the driver wires a container into a network, with the address its endpoint asks for. */
export function attachmentOf(net: NetworkRecord, ep?: Pick<EndpointSettings, 'IPAMConfig'>): BridgeAttachment {
  const pool = net.IPAM.Config[0];
  const ip = ep?.IPAMConfig?.IPv4Address;
  return {
    network: net.Name,
    networkId: net.Id,
    cniName: cniNameOf(net),
    bridge: bridgeOf(net),
    subnet: pool?.Subnet ?? '',
    gateway: pool?.Gateway ?? '',
    ...(pool?.IPRange ? { ipRange: pool.IPRange } : {}),
    internal: net.Internal,
    ...(ip ? { ip } : {}),
  };
}

/** Every bridge network of the host, for the isolation rules. */
export function bridgeRules(all: readonly NetworkRecord[]): BridgeRule[] {
  return all
    .filter((n) => n.Driver === 'bridge')
    .map((n) => ({ cniName: cniNameOf(n), bridge: bridgeOf(n), internal: n.Internal }));
}

/** An endpoint's ID: the same for the same container on the same network, so a retried join records the same one. */
export function endpointId(containerId: string, networkId: string): string {
  return createHash('sha256').update(`${containerId}/${networkId}`).digest('hex');
}
