import { ContainerError } from '../../common/errors';
import { parseNetMode } from '../../common/net-mode';
import { emptyEndpoint, type EndpointSettings, type NetworkRecord } from '../../common/network-types';
import type { ContainerRecord } from '../../common/types';
import { findNetwork, noSuchNetwork } from '../../networks/store';

/** One endpoint of a container and the network it is on. */
export interface Endpoint {
  net: NetworkRecord;
  ep: EndpointSettings;
}

/**
 * The container's endpoints in attach order, its mode's network first (eth0), each with its network's record:
 * the record's Networks, or for a record from before user networks the default bridge. A network gone since
 * create is Docker's 404 at start.
 */
export function endpointsOf(rec: ContainerRecord, all: readonly NetworkRecord[]): Endpoint[] {
  const mode = parseNetMode(rec.HostConfig.NetworkMode);
  const primaryRef = mode?.kind === 'user' ? mode.target! : 'bridge';
  const eps = rec.NetworkSettings.Networks ?? {};
  const netOf = (name: string, ep?: EndpointSettings): NetworkRecord => {
    const net = all.find((n) => n.Id === ep?.NetworkID) ?? findNetwork(all, name);
    if (!net) throw new ContainerError('NoSuchNetwork', noSuchNetwork(name));
    return net;
  };
  const primary = netOf(primaryRef, eps[primaryRef]);
  const entries = Object.entries(eps);
  if (entries.length === 0) return [{ net: primary, ep: emptyEndpoint(primary.Id) }];
  const out = entries.map(([name, ep]) => ({ net: netOf(name, ep), ep }));
  return [...out.filter((e) => e.net.Id === primary.Id), ...out.filter((e) => e.net.Id !== primary.Id)];
}

/**
 * An address asked for (--ip) must be free on its network: held by no other running container's endpoint
 * there (Docker's "Address already in use"), checked before the driver is asked, so a taken address is a 409
 * and not a plugin failure retried.
 */
export function checkRequestedAddresses(
  id: string,
  endpoints: readonly Endpoint[],
  others: readonly ContainerRecord[],
): void {
  for (const { net, ep } of endpoints) {
    const want = ep.IPAMConfig?.IPv4Address;
    if (!want) continue;
    const holder = others.find(
      (o) =>
        o.Id !== id &&
        Object.values(o.NetworkSettings.Networks ?? {}).some((e) => e.NetworkID === net.Id && e.IPAddress === want),
    );
    if (holder || want === net.IPAM.Config[0]?.Gateway)
      throw new ContainerError(
        'Conflict',
        `failed to set up container networking on ${net.Name}: Address already in use`,
      );
  }
}

/** The names a container answers to on a network (Docker's DNSNames): user-defined networks only. */
export function dnsNamesOf(
  rec: ContainerRecord,
  net: Pick<NetworkRecord, 'Name'>,
  ep: EndpointSettings,
): string[] | null {
  if (net.Name === 'bridge') return null;
  const names = [rec.Name.replace(/^\//, ''), ...(ep.Aliases ?? []), rec.Id.slice(0, 12)];
  return [...new Set(names)];
}
