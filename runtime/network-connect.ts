import { syncPeerHosts } from './peer-hosts';
import { ContainerError, Messages } from '../common/errors';
import { parseNetMode } from '../common/net-mode';
import type { EndpointConfig, EndpointSettings, NetworkRecord } from '../common/network-types';
import type { ContainerRecord } from '../common/types';
import { attachmentOf, bridgeRules, cniNameOf, endpointId } from '../networks/attachments';
import { findNetwork, noSuchNetwork } from '../networks/store';
import { CLAIM_LOCK } from './claim';
import { endpointFor } from './create-network';
import type { NetworkDeps } from './network-verbs';
import { networkEvent } from './network-verbs';
import { checkRequestedAddresses, dnsNamesOf, endpointsOf } from './steps/network-plan';
import { TEARDOWN_LOCK } from './teardown';

/**
 * docker network connect and disconnect (Docker's daemon/container_operations.go). A created or stopped
 * container's endpoints change on its record for its next start; a running one's netns gets (or loses) the
 * attachment first. Both hold the container's claim lock (no start can claim it meanwhile, and a start in
 * progress is refused rather than raced: its network step writes the endpoints it attached) and its
 * teardown lock (a stop or the monitor's Cleanup waits, then releases the new attachment with the others).
 */

/** Whether a recorded start claim is still live (the activity asks Temporal). */
export type IsStarting = (rec: ContainerRecord) => Promise<boolean>;

/**
 * `retried`: an earlier attempt of the same verb (an activity retry) may have done it already, so finding it
 * done is success rather than Docker's "already exists" / "not connected".
 */
export interface ConnectOptions {
  isStarting: IsStarting;
  retried?: boolean;
}

// runconfig's validation errors (400), as Docker words them
const SHARED =
  'container sharing network namespace with another container or host cannot be connected to any other network';
const HOST = 'container cannot be disconnected from host network or connected to host network';
const NONE = 'container cannot be connected to multiple networks with one of the networks in private (none) mode';
const invalid = (msg: string) => new ContainerError('InvalidParameter', msg);

/** Runs `fn` on the container's fresh record under its claim and teardown locks, refusing a live start. */
async function underLocks<T>(
  rt: NetworkDeps,
  ref: string,
  isStarting: IsStarting,
  fn: (rec: ContainerRecord) => Promise<T>,
): Promise<T> {
  const { Id } = await rt.lookup(ref); // refreshed: a process that has exited reads not running
  const locked = async () => {
    const rec = await rt.store.get(Id);
    if (rec.State.RemovalInProgress || rec.State.Dead)
      throw new ContainerError(
        'ContainerBeingRemoved',
        `container ${Id} is marked for removal and cannot be connected or disconnected to the network`,
      );
    if (!rec.State.Running && rec.StartingBy && (await isStarting(rec)))
      throw new ContainerError('StartInProgress', Messages.startInProgress(Id, rec.StartingBy.workflowId));
    return fn(rec);
  };
  return rt.store.withLock(Id, () => rt.store.withLock(Id, locked, TEARDOWN_LOCK), CLAIM_LOCK);
}

/** The record's endpoints; one from before user networks gets its mode's, so a connect keeps it. */
function currentEndpoints(rec: ContainerRecord, all: readonly NetworkRecord[]): Record<string, EndpointSettings> {
  if (rec.NetworkSettings.Networks && Object.keys(rec.NetworkSettings.Networks).length > 0)
    return { ...rec.NetworkSettings.Networks };
  return Object.fromEntries(endpointsOf(rec, all).map((e) => [e.net.Name, e.ep]));
}

/** Docker's refusals of a container of this mode joining `net` (updateNetworkConfig's order); the endpoint. */
function checkJoin(
  rec: ContainerRecord,
  net: NetworkRecord,
  eps: Record<string, EndpointSettings>,
  cfg: EndpointConfig | undefined,
): EndpointSettings {
  const mode = parseNetMode(rec.HostConfig.NetworkMode);
  if (mode?.kind === 'container') throw invalid(SHARED);
  const ep = endpointFor(net, cfg); // Docker's validateEndpointSettings: aliases and --ip first
  if (net.Driver === 'host' && mode?.kind !== 'host') throw invalid(HOST);
  if (Object.values(eps).some((ep) => ep.NetworkID === net.Id))
    throw new ContainerError(
      'Forbidden',
      `endpoint with name ${rec.Name.replace(/^\//, '')} already exists in network ${net.Name}`,
    );
  if (mode?.kind === 'host') throw invalid(SHARED);
  if (mode?.kind === 'none' || net.Driver === 'null') throw invalid(NONE);
  return ep;
}

/** docker network connect: returns the container's ID and the network. */
export async function connectNetwork(
  rt: NetworkDeps,
  netRef: string,
  containerRef: string,
  cfg: EndpointConfig | undefined,
  opts: ConnectOptions,
): Promise<{ containerId: string; network: NetworkRecord }> {
  const net = await rt.networks.find(netRef);
  const id = await underLocks(rt, containerRef, opts.isStarting, async (rec) => {
    const all = await rt.networks.list();
    const eps = currentEndpoints(rec, all);
    const done = Object.values(eps).find((e) => e.NetworkID === net.Id);
    if (opts.retried && done && (!rec.State.Running || done.EndpointID)) return rec.Id;
    let ep = checkJoin(rec, net, eps, cfg);
    if (rec.State.Running) {
      checkRequestedAddresses(rec.Id, [{ net, ep }], await rt.store.list());
      const address = await rt.driver
        .attachNetwork(rec.Id, attachmentOf(net, ep), bridgeRules(all))
        .catch(async (err: unknown) => {
          // nothing half-done: what the ADD held goes before the failure is answered
          await rt.driver.detachNetwork(rec.Id, cniNameOf(net)).catch(() => undefined);
          throw err;
        });
      ep = { ...ep, EndpointID: endpointId(rec.Id, net.Id), ...address, DNSNames: dnsNamesOf(rec, net, ep) };
    }
    await rt.store.update(rec.Id, (r) => {
      r.NetworkSettings = { ...r.NetworkSettings, Networks: { ...currentEndpoints(r, all), [net.Name]: ep } };
    });
    // names on the network follow the join: its members', the container's own among them
    if (ep.IPAddress) await syncPeerHosts(rt, [net.Id]);
    return rec.Id;
  });
  await networkEvent(rt, 'connect', net, { container: id });
  return { containerId: id, network: net };
}

/**
 * docker network disconnect [-f]: a network that no longer exists is dropped from a stopped container's
 * endpoints by name with -f, as Docker does.
 */
export async function disconnectNetwork(
  rt: NetworkDeps,
  netRef: string,
  containerRef: string,
  force: boolean,
  opts: ConnectOptions,
): Promise<{ containerId: string; network: NetworkRecord | undefined }> {
  const all = await rt.networks.list();
  const net = findNetwork(all, netRef);
  if (!net && !force) throw new ContainerError('NoSuchNetwork', noSuchNetwork(netRef));
  const id = await underLocks(rt, containerRef, opts.isStarting, async (rec) => {
    const eps = currentEndpoints(rec, all);
    const key = Object.keys(eps).find((k) => (net ? eps[k]!.NetworkID === net.Id : k === netRef));
    if (net?.Driver === 'host' && parseNetMode(rec.HostConfig.NetworkMode)?.kind === 'host') throw invalid(HOST);
    if (key === undefined && opts.retried) return rec.Id;
    if (key === undefined) {
      if (!net) throw new ContainerError('NoSuchNetwork', noSuchNetwork(netRef));
      throw new ContainerError('Forbidden', `container ${rec.Id} is not connected to network ${net.Name}`);
    }
    if (rec.State.Running && net) await rt.driver.detachNetwork(rec.Id, cniNameOf(net));
    const left = rec.NetworkSettings.Networks?.[key]?.IPAddress;
    await rt.store.update(rec.Id, (r) => {
      const rest = { ...currentEndpoints(r, all) };
      delete rest[key];
      r.NetworkSettings = { ...r.NetworkSettings, Networks: rest };
      // the top-level address is the first attachment's (the ports' target): gone with it
      if (left && r.NetworkSettings.IPAddress === left)
        Object.assign(r.NetworkSettings, { IPAddress: '', IPPrefixLen: 0, Gateway: '', MacAddress: '' });
    });
    // the others on the network forget it, and it forgets them
    if (left && net) await syncPeerHosts(rt, [net.Id], rec.Id);
    return rec.Id;
  });
  if (net) await networkEvent(rt, 'disconnect', net, { container: id });
  return { containerId: id, network: net };
}
