import { ContainerError } from '../../common/errors';
import { parseNetMode } from '../../common/net-mode';
import { NO_NETWORK, type NetworkSettings } from '../../common/types';
import { runningPeer } from './peers';
import { publishPorts } from './ports';
import type { StepEnv, StepImpl } from './types';

/**
 * network (Docker's initializeNetworking): bridge gets its own netns, a CNI attachment and its published ports
 * (ports.ts), none a netns with loopback only, host nothing; container:X shares X's (X must run). The settings go
 * on the record; release frees what the driver holds (the ports, CNI DEL, then the netns) and clears them.
 * Nothing of a peer is ever touched.
 */
export const network: StepImpl<'network'> = {
  async acquire(env, { id }, ctx) {
    const rec = await env.store.get(id);
    const mode = parseNetMode(rec.HostConfig.NetworkMode);
    if (!mode) throw new ContainerError('InvalidParameter', `network ${rec.HostConfig.NetworkMode} not found`);
    let settings: NetworkSettings;
    if (mode.kind === 'host') settings = { ...NO_NETWORK };
    else if (mode.kind === 'container') {
      const { Ports: _published, ...peer } = (await runningPeer(env, id, mode.target!, 'network')).NetworkSettings;
      settings = peer; // the peer's ports are the peer's
    } else {
      settings = await env.driver.connectNetwork(id, { kind: mode.kind }, ctx);
      if (mode.kind === 'bridge') settings.Ports = await publishPorts(env, rec, settings.IPAddress, ctx);
    }
    await env.store.update(id, (r) => {
      r.NetworkSettings = settings;
    });
    return settings;
  },
  async release(env, id, ctx) {
    await env.driver.unpublishPorts(id, ctx); // before the address they forward to goes
    await env.driver.releaseNetwork(id, ctx);
    await clearNetworkSettings(env, id);
  },
};

/** What was released is no longer the container's: its record must not show it (a gone record is fine). */
async function clearNetworkSettings(env: StepEnv, id: string): Promise<void> {
  const rec = await env.store.read(id);
  if (!rec || JSON.stringify(rec.NetworkSettings) === JSON.stringify(NO_NETWORK)) return;
  await env.store.update(id, (r) => {
    r.NetworkSettings = { ...NO_NETWORK };
  });
}
