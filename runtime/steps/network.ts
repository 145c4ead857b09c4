import { ContainerError } from '../../common/errors';
import { parseNetMode } from '../../common/net-mode';
import { releasedNetwork, type ContainerRecord, type NetworkSettings } from '../../common/types';
import { attachmentOf, bridgeRules, endpointId } from '../../networks/attachments';
import { checkRequestedAddresses, dnsNamesOf, endpointsOf } from './network-plan';
import { runningPeer } from './peers';
import { publishPorts } from './ports';
import { syncPeerHosts, userNetworkIds } from '../peer-hosts';
import type { StepEnv, StepImpl } from './types';

/**
 * network (Docker's initializeNetworking): bridge and user-defined networks get the container's own netns,
 * a CNI attachment per network it is on (its mode's first) and its published ports (ports.ts), forwarded to
 * its first address; none a netns with loopback only, host nothing; container:X shares X's (X must run). The
 * settings go on the record; release frees what the driver holds (the ports, every CNI DEL, then the netns)
 * and clears the addresses, keeping the endpoints' configuration. Nothing of a peer is ever touched.
 */
export const network: StepImpl<'network'> = {
  async acquire(env, { id }, ctx) {
    const rec = await env.store.get(id);
    const mode = parseNetMode(rec.HostConfig.NetworkMode);
    if (!mode) throw new ContainerError('NoSuchNetwork', `network ${rec.HostConfig.NetworkMode} not found`);
    let settings: NetworkSettings;
    if (mode.kind === 'host') settings = releasedNetwork(rec.NetworkSettings);
    else if (mode.kind === 'container') {
      const x = await runningPeer(env, id, mode.target!, 'network');
      const { Networks: _, Ports: _published, ...peer } = x.NetworkSettings;
      settings = peer; // the peer's networks and ports are the peer's
    } else if (mode.kind === 'none') {
      const { sandboxKey } = await env.driver.connectNetwork(id, { kind: 'none' }, ctx);
      settings = { ...releasedNetwork(rec.NetworkSettings), SandboxKey: sandboxKey };
    } else {
      settings = await connectBridges(env, rec, ctx);
      settings.Ports = await publishPorts(env, rec, settings.IPAddress, ctx);
    }
    const updated = await env.store.update(id, (r) => {
      r.NetworkSettings = settings;
    });
    await syncPeerHosts(env, userNetworkIds(updated));
    return settings;
  },
  async release(env, id, ctx) {
    const networks = userNetworkIds(await env.store.read(id));
    await env.driver.unpublishPorts(id, ctx); // before the address they forward to goes
    await env.driver.releaseNetwork(id, ctx);
    await clearNetworkSettings(env, id);
    await syncPeerHosts(env, networks);
  },
};

/** The container's own netns with an attachment per network it is on; its endpoints filled in. */
async function connectBridges(
  env: StepEnv,
  rec: ContainerRecord,
  ctx: Parameters<StepImpl<'network'>['acquire']>[2],
): Promise<NetworkSettings> {
  const id = rec.Id;
  const all = await env.networks.list();
  const endpoints = endpointsOf(rec, all);
  // the other records only when an address was asked for (a start must not read every record of the host)
  if (endpoints.some((e) => e.ep.IPAMConfig?.IPv4Address))
    checkRequestedAddresses(id, endpoints, await env.store.list());
  const plan = {
    kind: 'bridge' as const,
    attachments: endpoints.map((e) => attachmentOf(e.net, e.ep)),
    rules: bridgeRules(all),
  };
  const { sandboxKey, addresses } = await env.driver.connectNetwork(id, plan, ctx);
  const Networks = Object.fromEntries(
    endpoints.map(({ net, ep }, i) => [
      net.Name,
      {
        ...ep,
        NetworkID: net.Id,
        EndpointID: endpointId(id, net.Id),
        ...addresses[i]!,
        DNSNames: dnsNamesOf(rec, net, ep),
      },
    ]),
  );
  return { ...addresses[0]!, SandboxKey: sandboxKey, Networks };
}

/** What was released is no longer the container's: its record must not show it (a gone record is fine). */
async function clearNetworkSettings(env: StepEnv, id: string): Promise<void> {
  const rec = await env.store.read(id);
  if (!rec) return;
  const released = releasedNetwork(rec.NetworkSettings);
  if (JSON.stringify(rec.NetworkSettings) === JSON.stringify(released)) return;
  await env.store.update(id, (r) => {
    r.NetworkSettings = releasedNetwork(r.NetworkSettings);
  });
}
