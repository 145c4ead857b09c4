import { mountPointsOf, volumeNamesOf } from '../common/mount-plan';
import type { ContainerRecord } from '../common/types';
import type { VolumeStore } from './store';

/** What removing a container's anonymous volumes needs of the host. */
export interface AnonymousVolumeDeps {
  readonly volumes: VolumeStore;
  /** the host's container records (the removed one already gone) */
  list(): Promise<readonly Pick<ContainerRecord, 'Id' | 'HostConfig' | 'MountPoints'>[]>;
  volumeEvent(action: 'destroy', name: string): Promise<void>;
}

/**
 * `docker rm -v` and AutoRemove (Docker's removeMountPoints with rm): the removed container's anonymous volumes
 * go, named ones stay; one another container still uses (`--volumes-from`) stays too, without an error, as
 * Docker ignores its in-use error. The check and the removal hold the volumes' lock, as `volume rm` does.
 */
export async function removeAnonymousVolumes(deps: AnonymousVolumeDeps, rec: ContainerRecord): Promise<string[]> {
  const anonymous = [
    ...new Set(
      mountPointsOf(rec)
        .filter((p) => p.Type === 'volume' && p.Anonymous)
        .map((p) => p.Name!),
    ),
  ];
  if (!anonymous.length) return [];
  const taken = await deps.volumes.locked(async () => {
    const used = new Set((await deps.list()).filter((c) => c.Id !== rec.Id).flatMap((c) => volumeNamesOf(c)));
    const out: Array<{ name: string; away: string }> = [];
    for (const name of anonymous) {
      if (used.has(name)) continue;
      const away = await deps.volumes.detach(name);
      if (away) out.push({ name, away });
    }
    return out;
  });
  for (const t of taken) {
    await deps.volumes.purge(t.away);
    await deps.volumeEvent('destroy', t.name);
  }
  return taken.map((t) => t.name);
}
