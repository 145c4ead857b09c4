import { uuid4 } from '@temporalio/workflow';
import { ContainerError } from '../common/errors';
import type {
  NetworkConnectInput,
  NetworkConnectResult,
  NetworkCreateInput,
  NetworkCreateResult,
  NetworkDisconnectInput,
  NetworkPruneInput,
  NetworkPruneResult,
  NetworkRemoveInput,
  NetworkRemoveResult,
} from '../common/network-api';
import type { IpamPool } from '../common/network-types';
import { checkInput, detailOf, surfaced } from './failures';
import { isHostUnavailable, liveHostNames, locate, onHost } from './host-routing';
import { onEveryHost, registered } from './host-verbs';
import { hostsWithNetwork } from './network-reads';
import { lifecycle } from './options';

/**
 * The network verbs that change a host's networks (create, rm, prune, connect, disconnect). A network is each
 * host's own (its bridge, subnet and IPAM there; no overlay): without --host, create makes it on every live
 * host with one ID and one subnet, so a container placed on any of them can use it (what a docker user
 * expects of `docker network create` followed by `docker run --network`); rm and prune act on every live
 * host that has it. connect and disconnect act on the container's host only.
 */

/** 64 hex digits from the workflow's deterministic random source: the network's ID on every host. */
function newNetworkId(): string {
  return (uuid4() + uuid4()).replace(/-/g, '');
}

/**
 * docker network create: on `host`, else on each live host in turn (the first plans the subnet, the others
 * take it); a host that refuses undoes the hosts before it, so a create is on all or none.
 */
export function networkCreate(input: NetworkCreateInput): Promise<NetworkCreateResult> {
  checkInput('networkCreate', input);
  return surfaced(async () => {
    if (input.host) await registered(input.host);
    const hosts = input.host ? [input.host] : (await liveHostNames()).sort();
    const id = newNetworkId();
    const made: string[] = [];
    let pools: IpamPool[] | undefined;
    try {
      for (const h of hosts) {
        const net = await onHost(h, lifecycle)
          .createNetwork({ request: input.request, id, ...(pools ? { pools } : {}) })
          .catch((err: unknown) => {
            // a host gone meanwhile is left out, as every verb across hosts leaves it (not one named)
            if (!input.host && isHostUnavailable(err)) return undefined;
            throw err;
          });
        if (!net) continue;
        made.push(h);
        pools ??= net.IPAM.Config;
      }
    } catch (err) {
      for (const h of made)
        await onHost(h, lifecycle)
          .removeNetwork({ network: id })
          .catch(() => undefined);
      throw err;
    }
    if (made.length === 0) throw new ContainerError('HostUnavailable', 'no live host to create the network on');
    return { Id: id, Warning: '', hosts: made };
  });
}

/** `ask` on `host` or every live host; hosts without the network are left out, none with it is the 404. */
async function onHostsWithNetwork<T>(
  host: string | undefined,
  ask: (acts: ReturnType<typeof onHost>) => Promise<T>,
): Promise<Array<{ host: string; answer: T }>> {
  if (host) {
    await registered(host);
    return [{ host, answer: await ask(onHost(host, lifecycle)) }];
  }
  let missing: string | undefined;
  const all = await onEveryHost(lifecycle, (acts) =>
    ask(acts).catch((err: unknown) => {
      const d = detailOf(err);
      if (d.type !== 'NoSuchNetwork') throw err;
      missing ??= d.message;
      return undefined;
    }),
  );
  const found = all.filter((a): a is { host: string; answer: T } => a.answer !== undefined);
  if (found.length > 0) return found;
  if (missing) throw new ContainerError('NoSuchNetwork', missing);
  throw new ContainerError('HostUnavailable', 'no live host to change networks on');
}

/** docker network rm: checked on every host that has it first (one in use refuses it everywhere), then removed. */
export function networkRemove(input: NetworkRemoveInput): Promise<NetworkRemoveResult> {
  checkInput('networkRemove', input);
  const { host, dryRun: _dryRun, network } = input;
  return surfaced(async () => {
    const checked = await onHostsWithNetwork(host, (acts) => acts.removeNetwork({ network, dryRun: true }));
    for (const { host: h, answer } of checked)
      await onHost(h, lifecycle)
        .removeNetwork({ network: answer.id })
        .catch((err: unknown) => {
          // gone since the check (a retried removal whose report was lost, or a prune meanwhile): removed
          if (detailOf(err).type !== 'NoSuchNetwork') throw err;
        });
    return { id: checked[0]!.answer.id, name: checked[0]!.answer.name, hosts: checked.map((c) => c.host) };
  });
}

/** docker network prune: on `host`, else every live host; each name once. */
export function networkPrune(input: NetworkPruneInput): Promise<NetworkPruneResult> {
  checkInput('networkPrune', input);
  const { host, ...rest } = input;
  return surfaced(async () => {
    if (host) await registered(host);
    const all = host
      ? [{ host, answer: await onHost(host, lifecycle).pruneNetworks(rest) }]
      : await onEveryHost(lifecycle, (acts) => acts.pruneNetworks(rest));
    const names = [...new Set(all.flatMap((a) => a.answer.NetworksDeleted ?? []))];
    return { NetworksDeleted: names.length ? names : null };
  });
}

/**
 * A network the container's host does not have, that another host has: the item-6 400 (networks are per
 * host), rather than the host's 404.
 */
async function onContainersHost(
  input: { network: string; container: string },
  call: (acts: ReturnType<typeof onHost>) => Promise<{ containerId: string; networkId: string }>,
): Promise<NetworkConnectResult> {
  const at = await locate(input.container);
  try {
    return { ...(await call(onHost(at.host, lifecycle))), host: at.host };
  } catch (err) {
    if (detailOf(err).type !== 'NoSuchNetwork') throw err;
    const elsewhere = (await hostsWithNetwork(input.network)).filter((h) => h !== at.host);
    if (elsewhere.length === 0) throw err;
    throw new ContainerError(
      'InvalidParameter',
      `network ${input.network} is on host ${elsewhere.join(', ')}, not on host ${at.host} where container ${input.container} is: networks are per host (create it there, or without --host on every host)`,
    );
  }
}

/** docker network connect [--alias] [--ip] NETWORK CONTAINER. */
export function networkConnect(input: NetworkConnectInput): Promise<NetworkConnectResult> {
  checkInput('networkConnect', input);
  return surfaced(() => onContainersHost(input, (acts) => acts.connectToNetwork(input)));
}

/** docker network disconnect [-f] NETWORK CONTAINER. */
export function networkDisconnect(input: NetworkDisconnectInput): Promise<NetworkConnectResult> {
  checkInput('networkDisconnect', input);
  return surfaced(() => onContainersHost(input, (acts) => acts.disconnectFromNetwork(input)));
}
