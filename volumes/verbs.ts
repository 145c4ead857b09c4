import { randomBytes } from 'node:crypto';
import { ContainerError } from '../common/errors';
import type { HostConfig } from '../common/types';
import { volumeNamesOf, type MountPoint } from '../common/mount-plan';
import {
  ANONYMOUS_VOLUME_LABEL,
  type VolumeCreateInput,
  type VolumeFilters,
  type VolumeListResult,
  type VolumePruneInput,
  type VolumePruneResult,
  type VolumeRecord,
} from '../common/volumes-api';
import type { VolumeStore } from './store';

/** What the verbs read of a container record: which volumes it references. */
export type VolumeHolder = { Id: string; HostConfig: Pick<HostConfig, 'Binds'>; MountPoints?: MountPoint[] };
/** The host's container records, read under the store's lock (a create in flight has written its record). */
export type Holders = () => Promise<readonly VolumeHolder[]>;
/** Records Docker's volume events (create, destroy) in the host's event log. */
export type VolumeEvents = (action: 'create' | 'destroy', name: string) => Promise<void>;

/** The named volumes a container's binds reference (sources that are not host paths), each once. */
export function volumeNames(hc: Pick<HostConfig, 'Binds'>): string[] {
  const names = hc.Binds.map((b) => b.split(':')[0]!).filter((s) => s !== '' && !s.startsWith('/'));
  return [...new Set(names)];
}

function usersOf(holders: readonly VolumeHolder[], name: string): string[] {
  return holders.filter((c) => volumeNamesOf(c).includes(name)).map((c) => c.Id);
}

/** The local driver's option keys (Docker's validateOpts); any other is Docker's 400. */
const LOCAL_OPTIONS = ['type', 'device', 'o', 'size'];

/** docker volume create: a taken name returns the volume there is, as Docker does. */
export async function createVolume(
  store: VolumeStore,
  input: Omit<VolumeCreateInput, 'host'>,
  emit: VolumeEvents,
): Promise<VolumeRecord> {
  const driver = input.driver || 'local';
  if (driver !== 'local')
    throw new ContainerError(
      'InvalidParameter',
      `error looking up volume plugin ${driver}: plugin "${driver}" not found`,
    );
  const options = Object.keys(input.options ?? {});
  const unknown = options.find((k) => !LOCAL_OPTIONS.includes(k));
  if (unknown) throw new ContainerError('InvalidParameter', `invalid option key: "${unknown}"`);
  if (options.length)
    throw new ContainerError(
      'InvalidParameter',
      `volume options (${options.join(', ')}) are not supported here: a local volume is a plain directory`,
    );
  const name = input.name || randomBytes(32).toString('hex');
  const { volume, created } = await store.locked(() => store.ensure(name, input.labels ?? {}, {}));
  if (created) await emit('create', name);
  return volume;
}

/** `key` or `key=value` among the labels (Docker's label filter). */
function hasLabel(labels: Record<string, string> | null, filter: string): boolean {
  const eq = filter.indexOf('=');
  if (eq < 0) return Object.hasOwn(labels ?? {}, filter);
  return (labels ?? {})[filter.slice(0, eq)] === filter.slice(eq + 1);
}

/** Docker's name filter is a pattern; a name that is not a valid one is taken as text. */
function nameMatches(name: string, pattern: string): boolean {
  try {
    return new RegExp(pattern).test(name);
  } catch {
    return name.includes(pattern);
  }
}

/** docker volume ls: every volume of the host that passes the filters. */
export async function listVolumes(
  store: VolumeStore,
  filters: VolumeFilters,
  holders: Holders,
): Promise<VolumeListResult> {
  await store.purge(); // removals a crash cut short
  const all = await store.list();
  const used = filters.dangling === undefined ? [] : await holders();
  const Volumes = all.filter(
    (v) =>
      (!filters.name?.length || filters.name.some((p) => nameMatches(v.Name, p))) &&
      (filters.label ?? []).every((l) => hasLabel(v.Labels, l)) &&
      (!filters.driver?.length || filters.driver.includes(v.Driver)) &&
      (filters.dangling === undefined || filters.dangling === (usersOf(used, v.Name).length === 0)),
  );
  return { Volumes, Warnings: [] };
}

/**
 * docker volume rm: Docker's 409 naming every container that references it, running or not; force makes a
 * missing volume no error (Docker's purge-on-error), never removes one in use. The check and the removal
 * hold the store's lock, which a container create takes too: no container is made on a volume going away.
 */
export async function removeVolume(
  store: VolumeStore,
  input: { name: string; force: boolean; dryRun?: boolean },
  holders: Holders,
  emit: VolumeEvents,
): Promise<void> {
  const away = await store.locked(async () => {
    const found = await store.find(input.name);
    if (!found) {
      if (input.force) return undefined;
      await store.get(input.name); // Docker's 404
    }
    const users = usersOf(await holders(), input.name);
    if (users.length)
      throw new ContainerError('Conflict', `remove ${input.name}: volume is in use - [${users.join(', ')}]`);
    return input.dryRun ? undefined : store.detach(input.name);
  });
  if (!away) return;
  await store.purge(away);
  await emit('destroy', input.name);
}

/**
 * docker volume prune: the volumes no container references; without `all` only anonymous ones (Docker 23+,
 * API 1.42+: those with com.docker.volume.anonymous), as the docker CLI asks unless given `--all`.
 */
export async function pruneVolumes(
  store: VolumeStore,
  input: Omit<VolumePruneInput, 'host'>,
  holders: Holders,
  emit: VolumeEvents,
): Promise<VolumePruneResult> {
  const detached = await store.locked(async () => {
    const used = await holders();
    const out: Array<{ name: string; away: string }> = [];
    for (const v of await store.list()) {
      if (!input.all && !hasLabel(v.Labels, ANONYMOUS_VOLUME_LABEL)) continue;
      if (!(input.labels ?? []).every((l) => hasLabel(v.Labels, l))) continue;
      if ((input.labelsNot ?? []).some((l) => hasLabel(v.Labels, l))) continue;
      if (usersOf(used, v.Name).length) continue;
      const away = await store.detach(v.Name);
      if (away) out.push({ name: v.Name, away });
    }
    return out;
  });
  let reclaimed = 0;
  for (const d of detached) {
    reclaimed += await store.size(d.away);
    await store.purge(d.away);
    await emit('destroy', d.name);
  }
  return { VolumesDeleted: detached.length ? detached.map((d) => d.name) : null, SpaceReclaimed: reclaimed };
}
