import { parseCidr, contains, parseIPv4 } from '../common/cidr';
import { ContainerError } from '../common/errors';
import { parseNetMode } from '../common/net-mode';
import { emptyEndpoint, type EndpointConfig, type EndpointSettings, type NetworkRecord } from '../common/network-types';
import type { HostConfig } from '../common/types';
import { findNetwork, noSuchNetwork } from '../networks/store';

const fail = (msg: string): never => {
  throw new ContainerError('InvalidParameter', msg);
};

/** A network named by a mode or an EndpointsConfig key, or Docker's 404. */
function networkNamed(all: readonly NetworkRecord[], ref: string): NetworkRecord {
  return (
    findNetwork(all, ref) ??
    (() => {
      throw new ContainerError('NoSuchNetwork', noSuchNetwork(ref));
    })()
  );
}

/** One endpoint's configuration checked as Docker's daemon checks it at create (validateEndpointSettings). */
export function endpointFor(net: NetworkRecord, cfg: EndpointConfig | undefined): EndpointSettings {
  const userDefined = net.Driver === 'bridge' && net.Name !== 'bridge';
  if (cfg?.Aliases?.length && !userDefined)
    fail('network-scoped alias is supported only for containers in user defined networks');
  const ip = cfg?.IPAMConfig?.IPv4Address;
  if (ip) {
    if (!userDefined) fail('user specified IP address is supported on user defined networks only');
    const addr = parseIPv4(ip) ?? fail(`invalid IPv4 address: ${ip}`);
    const subnet = parseCidr(net.IPAM.Config[0]?.Subnet ?? '');
    if (!subnet || !contains(subnet, addr)) fail(`no configured subnet or ip-range contain the IP address ${ip}`);
  }
  const aliases = cfg?.Aliases?.length ? [...new Set(cfg.Aliases)] : null;
  return emptyEndpoint(net.Id, {
    Aliases: aliases,
    Links: cfg?.Links?.length ? cfg.Links : null,
    IPAMConfig: ip ? { IPv4Address: ip } : null,
  });
}

/**
 * The endpoints a new container is created with (NetworkSettings.Networks, nothing allocated): its mode's
 * network, and with API 1.44's EndpointsConfig further user-defined networks, each with its aliases and
 * address. A network that does not exist is Docker's 404; container:X has none of its own.
 */
export function endpointsAtCreate(
  hc: Pick<HostConfig, 'NetworkMode'>,
  requested: Readonly<Record<string, EndpointConfig>> | undefined,
  all: readonly NetworkRecord[],
): Record<string, EndpointSettings> | undefined {
  const mode = parseNetMode(hc.NetworkMode);
  if (!mode || mode.kind === 'container') {
    if (requested && Object.keys(requested).length > 0)
      fail('conflicting options: container type network can not be used with EndpointsConfig');
    return undefined;
  }
  const primary = networkNamed(all, mode.kind === 'user' ? mode.target! : mode.kind);
  const cfgs = new Map<string, EndpointConfig | undefined>();
  for (const [ref, cfg] of Object.entries(requested ?? {})) cfgs.set(networkNamed(all, ref).Id, cfg);
  const out: Record<string, EndpointSettings> = { [primary.Name]: endpointFor(primary, cfgs.get(primary.Id)) };
  for (const [netId, cfg] of cfgs) {
    if (netId === primary.Id) continue;
    const net = all.find((n) => n.Id === netId)!;
    if (mode.kind === 'host' || mode.kind === 'none' || net.Driver !== 'bridge')
      fail(`Container cannot be connected to network endpoints: ${[primary.Name, net.Name].join(', ')}`);
    out[net.Name] = endpointFor(net, cfg);
  }
  return out;
}
