import { ContainerError } from '../common/errors';
import { parseLink, type LinkTarget } from '../common/env';
import type { StateStore } from './store';

/** Docker's setupLinkedContainers: the running containers named by --link, with what their link env needs. */
export async function linkedContainers(store: StateStore, id: string): Promise<LinkTarget[]> {
  const rec = await store.get(id);
  const targets: LinkTarget[] = [];
  for (const spec of rec.HostConfig.Links) {
    const { name, alias } = parseLink(spec);
    const other = await store.lookup(name).catch((err: unknown) => {
      if (err instanceof ContainerError && err.type === 'NoSuchContainer') {
        throw new ContainerError('InvalidParameter', `Could not get container for ${name}`);
      }
      throw err;
    });
    if (!other.State.Running) {
      throw new ContainerError(
        'ContainerNotRunning',
        `Cannot link to a non running container: ${other.Name} AS ${rec.Name}/${alias}`,
      );
    }
    targets.push({
      name: other.Name,
      alias,
      ipAddress: other.NetworkSettings.IPAddress,
      hostname: other.Config.Hostname,
      exposedPorts: Object.keys(other.Config.ExposedPorts),
      env: other.Config.Env,
    });
  }
  return targets;
}
