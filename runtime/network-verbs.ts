import { ContainerError } from '../common/errors';
import type {
  NetworkCreateOnHost,
  NetworkPruneInput,
  NetworkPruneResult,
  NetworkResource,
} from '../common/network-api';
import { isPredefinedNetwork, type NetworkRecord } from '../common/network-types';
import type { ContainerEvent, ContainerRecord } from '../common/types';
import { bridgeOf, bridgeRules, cniNameOf } from '../networks/attachments';
import { planNetwork } from '../networks/create';
import { parseCidr, type Cidr } from '../common/cidr';
import { hostRoutes } from '../networks/host-routes';
import { prunable, resourceOf, usersOf } from '../networks/resource';
import type { NetworkStore } from '../networks/store';
import type { ContainerRuntime } from './contract';
import type { HostParts } from './host-parts';

/**
 * The network verbs of one host that change its networks (create, rm, prune) and its listing with the
 * containers on each (Docker's daemon/network.go over networks/store.ts): connect and disconnect are in
 * network-connect.ts. Each records Docker's network event in the host's log.
 */

/** What the network verbs work with: the records, the driver, the host's networks, the refreshed reads. */
export type NetworkDeps = HostParts & { readonly networks: NetworkStore } & Pick<ContainerRuntime, 'lookup' | 'list'>;

/** Docker's network event (type network): the actor is the network, `name` and `type` its attributes. */
export function networkEvent(
  rt: HostParts,
  action: ContainerEvent['action'],
  net: NetworkRecord,
  extra: Record<string, string> = {},
): Promise<void> {
  return rt.store.appendEvent({
    time: new Date().toISOString(),
    type: 'network',
    action,
    id: net.Id,
    name: net.Name,
    attributes: { ...extra, type: net.Driver },
  });
}

/**
 * docker network create on this host, with the ID the workflow chose (the same on every host) and, after the
 * first host, the pool that host planned. A retry of a create that was done finds it and answers it again.
 */
export async function createNetwork(
  rt: NetworkDeps,
  input: NetworkCreateOnHost,
  routes?: Awaited<ReturnType<typeof hostRoutes>>,
): Promise<NetworkRecord> {
  const done = (await rt.networks.list()).find((n) => n.Id === input.id && n.Name === input.request.Name);
  if (done) return done;
  const request = input.pools
    ? { ...input.request, IPAM: { ...input.request.IPAM, Config: input.pools } }
    : input.request;
  const hostRouteList = routes ?? (await hostRoutes());
  const sideSubnets = await rt.driver.bridgeSideSubnets();
  const net = await rt.networks.add((existing) => ({
    ...planNetwork(request, existing, hostRouteList, foreignSubnets(sideSubnets, existing)),
    Id: input.id,
  }));
  await networkEvent(rt, 'create', net);
  return net;
}

/** The host's networks with the containers on each (Docker's NetworkResource). */
export async function listNetworks(rt: NetworkDeps): Promise<NetworkResource[]> {
  const [all, recs] = await Promise.all([rt.networks.list(), rt.list()]);
  return all.map((n) => resourceOf(n, recs));
}

const activeEndpoints = (net: NetworkRecord) =>
  new ContainerError(
    'Forbidden',
    `error while removing network: network ${net.Name} id ${net.Id} has active endpoints`,
  );

/** Docker's refusals of a network rm: a predefined one, or one a running container is on. */
function checkRemovable(net: NetworkRecord, recs: readonly ContainerRecord[]): void {
  if (isPredefinedNetwork(net.Name))
    throw new ContainerError('Forbidden', `${net.Name} is a pre-defined network and cannot be removed`);
  if (usersOf(net, recs).length > 0) throw activeEndpoints(net);
}

/**
 * docker network rm: refused for a predefined network or one in use (checked again under the store's lock,
 * where no other create or rm runs); then the bridge and IPAM directory go, and only then the record, so a
 * failure leaves the network there to remove again. `dryRun`: the checks only.
 */
export async function removeNetwork(rt: NetworkDeps, ref: string, dryRun = false): Promise<NetworkRecord> {
  const net = await rt.networks.find(ref);
  checkRemovable(net, await rt.list());
  if (dryRun) return net;
  await rt.networks.remove(net.Id, async () => {
    checkRemovable(net, await rt.list());
    const others = (await rt.networks.list()).filter((n) => n.Id !== net.Id);
    await rt.driver.removeBridge(cniNameOf(net), bridgeOf(net), bridgeRules(others));
  });
  await networkEvent(rt, 'destroy', net);
  return net;
}

/** docker network prune: every user network no running container is on that the filters take. */
export async function pruneNetworks(
  rt: NetworkDeps,
  input: Omit<NetworkPruneInput, 'host'>,
): Promise<NetworkPruneResult> {
  const [all, recs] = await Promise.all([rt.networks.list(), rt.list()]);
  const deleted: string[] = [];
  for (const net of all.filter((n) => prunable(n, usersOf(n, recs).length > 0, input))) {
    try {
      await removeNetwork(rt, net.Id);
      deleted.push(net.Name);
    } catch (err) {
      // a container joined it meanwhile: Docker's prune leaves it, as one in use
      if (!(err instanceof ContainerError && (err.type === 'Forbidden' || err.type === 'NoSuchNetwork'))) throw err;
    }
  }
  return { NetworksDeleted: deleted.length ? deleted : null };
}

/**
 * The subnets in the bridges' namespace that none of the store's networks has (pure): the loopback, the
 * uplink's link and another state root's bridges. Only those, not the host's own networks, which the store's
 * checks already answer.
 */
export function foreignSubnets(
  side: ReadonlyArray<{ device: string; subnet: string }>,
  existing: readonly NetworkRecord[],
): Array<{ cidr: Cidr; device: string }> {
  const own = existing.flatMap((n) => n.IPAM.Config.map((p) => parseCidr(p.Subnet))).filter((c) => c !== undefined);
  return side.flatMap(({ device, subnet }) => {
    const cidr = parseCidr(subnet);
    if (!cidr || device === 'lo' || own.some((o) => o.base === cidr.base && o.prefix === cidr.prefix)) return [];
    return [{ cidr, device }];
  });
}
