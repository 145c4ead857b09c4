import { ContainerError } from '../common/errors';
import { NETWORK_NAME } from '../common/net-mode';
import { contains, firstHost, formatCidr, formatIPv4, overlaps, parseCidr, parseIPv4, type Cidr } from '../common/cidr';
import {
  isPredefinedNetwork,
  type IpamPool,
  type NetworkCreateRequest,
  type NetworkRecord,
} from '../common/network-types';
import { userNetwork } from './store';

/** Docker's default pools for networks made without a subnet: 172.17-31.0.0/16, then 192.168.0.0/16 by /20. */
function* defaultPools(): Generator<Cidr> {
  for (let b = 17; b <= 31; b++) yield { base: ((172 << 24) | (b << 16)) >>> 0, prefix: 16 };
  for (let c = 0; c < 256; c += 16) yield { base: ((192 << 24) | (168 << 16) | (c << 8)) >>> 0, prefix: 20 };
}

const fail = (msg: string): never => {
  throw new ContainerError('InvalidParameter', msg);
};

/** The IPv4 pools of the networks there are. */
function poolsOf(existing: readonly NetworkRecord[]): Array<{ net: NetworkRecord; cidr: Cidr }> {
  return existing.flatMap((net) =>
    net.IPAM.Config.flatMap((p) => {
      const cidr = parseCidr(p.Subnet);
      return cidr ? [{ net, cidr }] : [];
    }),
  );
}

/** A requested pool checked as Docker's IPAM checks it: a valid subnet, a gateway and range inside it. */
function checkPool(p: IpamPool): { pool: IpamPool; cidr: Cidr } {
  if (!p.Subnet)
    fail(p.Gateway ? 'every ip-range or gateway must have a corresponding subnet' : 'invalid empty subnet');
  const cidr = parseCidr(p.Subnet) ?? fail(`invalid CIDR address: ${p.Subnet}`);
  if (formatCidr(cidr) !== p.Subnet) fail(`invalid subnet ${p.Subnet} : it should be ${formatCidr(cidr)}`);
  if (cidr.prefix > 30) fail(`invalid subnet ${p.Subnet}: a bridge network needs at least 4 addresses`);
  let gateway = formatIPv4(firstHost(cidr));
  if (p.Gateway) {
    const gw = parseIPv4(p.Gateway) ?? fail(`invalid gateway address ${p.Gateway}`);
    if (!contains(cidr, gw)) fail(`no matching subnet for gateway ${p.Gateway}`);
    gateway = p.Gateway;
  }
  if (p.IPRange) {
    const range = parseCidr(p.IPRange) ?? fail(`invalid CIDR address: ${p.IPRange}`);
    if (!contains(cidr, range.base) || range.prefix < cidr.prefix) fail(`no matching subnet for range ${p.IPRange}`);
  }
  return { pool: { Subnet: p.Subnet, Gateway: gateway, ...(p.IPRange ? { IPRange: p.IPRange } : {}) }, cidr };
}

/**
 * The record of a new bridge network, checked against the host's networks and routes as Docker's daemon and
 * libnetwork check it (pure): name free and not predefined, driver bridge, pools valid and overlapping nothing;
 * without a pool, the first default pool that overlaps nothing.
 */
export function planNetwork(
  req: NetworkCreateRequest,
  existing: readonly NetworkRecord[],
  routes: readonly Cidr[],
  /** subnets of devices in the host-side netns no network of this store owns (another state root's bridge) */
  foreign: ReadonlyArray<{ cidr: Cidr; device: string }> = [],
): NetworkRecord {
  const name = req.Name ?? '';
  if (!name) fail("network name can't be empty");
  if (!NETWORK_NAME.test(name)) fail(`invalid network name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  if (isPredefinedNetwork(name))
    throw new ContainerError('Forbidden', `${name} is a pre-defined network and cannot be created`);
  if (existing.some((n) => n.Name === name))
    throw new ContainerError('Conflict', `network with name ${name} already exists`);
  const driver = req.Driver || 'bridge';
  if (driver === 'host' || driver === 'null')
    throw new ContainerError('Forbidden', `only one instance of "${driver}" network is allowed`);
  if (driver !== 'bridge') throw new ContainerError('NoSuchNetwork', `plugin "${driver}" not found`);
  if (req.EnableIPv6) fail('container-saga networks are IPv4 only: EnableIPv6 is not supported');
  const ipamDriver = req.IPAM?.Driver || 'default';
  if (ipamDriver !== 'default') throw new ContainerError('NoSuchNetwork', `plugin "${ipamDriver}" not found`);

  const taken = [...poolsOf(existing).map((p) => p.cidr)];
  const requested = (req.IPAM?.Config ?? []).map(checkPool);
  if (requested.length > 1) fail('container-saga networks have one IPv4 subnet');
  for (const { cidr } of requested) {
    if (taken.some((t) => overlaps(t, cidr)))
      throw new ContainerError('Forbidden', 'Pool overlaps with other one on this address space');
    const other = foreign.find((f) => overlaps(f.cidr, cidr));
    if (other)
      fail(
        `cannot create network ${name}: its subnet ${formatCidr(cidr)} overlaps ${formatCidr(other.cidr)} of ${other.device} in the host-side network namespace (another state root's network there): networks have overlapping IPv4`,
      );
    const route = routes.find((r) => overlaps(r, cidr));
    if (route)
      fail(
        `cannot create network ${name}: its subnet ${formatCidr(cidr)} conflicts with the host's route to ${formatCidr(route)}: networks have overlapping IPv4`,
      );
  }
  let pools = requested.map((r) => r.pool);
  if (pools.length === 0) {
    const used = [...taken, ...routes, ...foreign.map((f) => f.cidr)];
    const free = [...defaultPools()].find((c) => !used.some((t) => overlaps(t, c)));
    if (!free)
      fail(
        'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network',
      );
    pools = [{ Subnet: formatCidr(free!), Gateway: formatIPv4(firstHost(free!)) }];
  }
  return userNetwork({
    Name: name,
    IPAM: { Driver: 'default', Options: req.IPAM?.Options ?? null, Config: pools },
    Internal: req.Internal ?? false,
    Attachable: req.Attachable ?? false,
    Labels: req.Labels ?? {},
    Options: req.Options ?? {},
  });
}
