import type { ContainerRecord } from '../common/types';
import type { Driver } from './driver';
import type { StateStore } from './store';

/**
 * Name resolution on user-defined networks, as Docker's embedded DNS gives it, kept in the containers' own
 * /etc/hosts: every container with an address on a user-defined network has a line per peer there (its
 * DNSNames: name, aliases, short ID). The lines follow the records: whenever an endpoint gets or loses its
 * address (start, stop, exit, connect, disconnect), the members of its networks get their peer lines again,
 * computed from the records under one host-wide lock, so concurrent changes converge. The default bridge has
 * none, as in Docker (--link is its way).
 */

const LOCK = 'peer-hosts.lock';
/** the host-wide lock lives beside the containers' directories, under a name no container ID can have */
const LOCK_DIR = '_networks';

/** A user-defined network's endpoints with an address, of this container (pure). */
function addressedUserEndpoints(rec: ContainerRecord) {
  return Object.entries(rec.NetworkSettings.Networks ?? {}).filter(([name, ep]) => name !== 'bridge' && ep.IPAddress);
}

/** The peer lines of one container (pure): `IP<TAB>names` for every other container on its user networks. */
export function peerLines(self: ContainerRecord, all: readonly ContainerRecord[]): string[] {
  const lines = new Set<string>();
  for (const [, mine] of addressedUserEndpoints(self)) {
    for (const other of all) {
      if (other.Id === self.Id) continue;
      for (const [, ep] of addressedUserEndpoints(other)) {
        if (ep.NetworkID !== mine.NetworkID) continue;
        const names = ep.DNSNames?.length ? ep.DNSNames : [other.Name.replace(/^\//, '')];
        lines.add(`${ep.IPAddress}\t${names.join(' ')}`);
      }
    }
  }
  return [...lines].sort();
}

/** The user-defined networks (IDs) a container has addresses on. */
export function userNetworkIds(rec: ContainerRecord | undefined): string[] {
  return rec ? addressedUserEndpoints(rec).map(([, ep]) => ep.NetworkID) : [];
}

/**
 * Rewrites the peer lines of every container on these networks, and of `also` (a container whose own file was
 * just written), from the records as they are now.
 */
export async function syncPeerHosts(
  env: { store: StateStore; driver: Driver },
  networkIds: readonly string[],
  also?: string,
): Promise<void> {
  if (networkIds.length === 0 && also === undefined) return;
  await env.store.withLock(
    LOCK_DIR,
    async () => {
      const all = await env.store.list();
      const wanted = new Set(networkIds);
      for (const rec of all) {
        const member = userNetworkIds(rec).some((n) => wanted.has(n));
        if (member || rec.Id === also) await env.driver.writePeerHosts(rec.Id, peerLines(rec, all));
      }
    },
    LOCK,
  );
}
