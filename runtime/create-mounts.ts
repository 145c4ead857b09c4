import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { ContainerError } from '../common/errors';
import { findContainer } from '../common/lookup';
import { mountPointsOf, planMountPoints, type MountPoint } from '../common/mount-plan';
import { parseVolumesFrom } from '../common/mount-spec';
import type { ContainerRecord, HostConfig } from '../common/types';
import { ANONYMOUS_VOLUME_LABEL } from '../common/volumes-api';
import type { VolumeStore } from '../volumes/store';
import { copyImageContent, type ImageContent } from '../volumes/copy-up';
import { checkBindPolicy } from './bind-policy';

/**
 * The create's mount points (common/mount-plan.ts): `--volumes-from` sources found among the host's records
 * (Docker's 404 `No such container: X` otherwise), a new anonymous volume (64 random hex, as Docker names them)
 * for each Config.Volumes path nothing else mounts.
 */
export function createMountPoints(
  hc: HostConfig,
  volumes: Record<string, unknown> | null | undefined,
  existing: readonly ContainerRecord[],
): MountPoint[] {
  const from = (hc.VolumesFrom ?? []).map((spec) => {
    const { container, mode } = parseVolumesFrom(spec);
    return { mode, points: mountPointsOf(findContainer(existing, container)) };
  });
  return planMountPoints({
    binds: hc.Binds,
    mounts: hc.Mounts ?? [],
    tmpfs: hc.Tmpfs,
    volumes: Object.keys(volumes ?? {}),
    from,
    newName: () => randomBytes(32).toString('hex'),
  });
}

/**
 * The bind sources the mount points add to -v's (--mount, --volumes-from): under the host's bind policy, and a
 * `--mount type=bind` source must exist (Docker checks at create).
 */
export async function checkMountSources(rec: ContainerRecord, bindAllow: readonly string[] | undefined): Promise<void> {
  const binds = mountPointsOf(rec).filter((p) => p.Type === 'bind');
  await checkBindPolicy(
    binds.map((p) => `${p.Source}:${p.Destination}`),
    bindAllow,
  );
  for (const m of rec.HostConfig.Mounts ?? []) {
    if (m.Type !== 'bind') continue;
    if (!(await fs.stat(m.Source!).catch(() => undefined)))
      throw new ContainerError(
        'InvalidParameter',
        `invalid mount config for type "bind": bind source path does not exist: ${m.Source}`,
      );
  }
}

/**
 * Makes the record's volumes (Docker makes them at create), fills each empty one from the image's content at its
 * path unless told not to (Docker's copy-up, owners and modes kept), then writes the record: all under the
 * volumes' lock, so no `volume rm` or prune removes one between its making and the record naming it. A failure
 * removes the volumes this create made, so a refused create leaves no volume behind. Returns the names made.
 */
export async function makeVolumes(
  volumes: VolumeStore,
  rec: ContainerRecord,
  image: ImageContent | undefined,
  write: () => Promise<void>,
): Promise<string[]> {
  const points = mountPointsOf(rec).filter((p) => p.Type === 'volume');
  if (!points.length) {
    await write();
    return [];
  }
  return volumes.locked(async () => {
    const made: string[] = [];
    try {
      for (const p of points) {
        const labels = p.Anonymous ? { [ANONYMOUS_VOLUME_LABEL]: '' } : (p.Labels ?? null);
        if ((await volumes.ensure(p.Name!, labels)).created) made.push(p.Name!);
        if (image) await copyImageContent(image, p.Destination, p.NoCopy ? undefined : volumes.dataDir(p.Name!));
      }
      await write();
      return made;
    } catch (err) {
      for (const n of made) await volumes.purge(await volumes.detach(n));
      throw err;
    }
  });
}
