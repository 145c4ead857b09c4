import { ContainerError, Messages } from '../common/errors';
import type {
  VolumeCreateInput,
  VolumeInspectInput,
  VolumeListInput,
  VolumeListResult,
  VolumePruneInput,
  VolumePruneResult,
  VolumeRecord,
  VolumeRemoveInput,
} from '../common/volumes-api';
import { checkInput, surfaced } from './failures';
import { liveHostNames, onHost } from './host-routing';
import { onEveryHost, registered } from './host-verbs';
import { fast, lifecycle } from './options';
import { hostsWithVolume, inspectOnHosts, listOnHosts } from './volume-hosts';

/**
 * The volume verbs (docker volume create/ls/inspect/rm/prune). A volume lives on one host's state root, as
 * its containers do: with `host` a verb acts there only; without, ls and prune ask every live host, inspect
 * and rm act where the volume is, and create makes it on the first live host by name unless a host has it.
 */

/** docker volume create (POST /volumes/create): a name a host already has answers with that volume. */
export function volumeCreate(input: VolumeCreateInput): Promise<VolumeRecord> {
  checkInput('volumeCreate', input);
  const { host, ...rest } = input;
  return surfaced(async () => {
    if (host) {
      await registered(host);
      return onHost(host, fast).createVolume(rest);
    }
    if (rest.name) {
      const found = await hostsWithVolume(undefined, rest.name);
      if (found[0]) return onHost(found[0].host, fast).createVolume(rest);
    }
    const first = (await liveHostNames()).sort()[0];
    if (!first) throw new ContainerError('HostUnavailable', 'no live host to create the volume on');
    return onHost(first, fast).createVolume(rest);
  });
}

/** docker volume ls (GET /volumes), also served as a read (workflows/reads.ts). */
export function volumeList(input: VolumeListInput): Promise<VolumeListResult> {
  checkInput('volumeList', input);
  return surfaced(() => listOnHosts(input));
}

/** docker volume inspect (GET /volumes/{name}), also served as a read (workflows/reads.ts). */
export function volumeInspect(input: VolumeInspectInput): Promise<VolumeRecord> {
  checkInput('volumeInspect', input);
  return surfaced(() => inspectOnHosts(input));
}

/** docker volume rm (DELETE /volumes/{name}): checked on every host that has it first, then removed on each. */
export function volumeRemove(input: VolumeRemoveInput): Promise<void> {
  checkInput('volumeRemove', input);
  const { host, dryRun: _dryRun, ...rest } = input;
  return surfaced(async () => {
    const found = await hostsWithVolume(host, rest.name);
    if (found.length === 0) {
      if (rest.force) return;
      throw new ContainerError('NoSuchVolume', Messages.noSuchVolume(rest.name));
    }
    for (const f of found) await onHost(f.host, lifecycle).removeVolume({ ...rest, dryRun: true });
    await Promise.all(found.map((f) => onHost(f.host, lifecycle).removeVolume(rest)));
  });
}

/** docker volume prune (POST /volumes/prune): on `host`, else every live host. */
export function volumePrune(input: VolumePruneInput): Promise<VolumePruneResult> {
  checkInput('volumePrune', input);
  const { host, ...rest } = input;
  return surfaced(async () => {
    if (host) await registered(host);
    const all = host
      ? [{ host, answer: await onHost(host, lifecycle).pruneVolumes(rest) }]
      : await onEveryHost(lifecycle, (acts) => acts.pruneVolumes(rest));
    const deleted = all.flatMap((a) => a.answer.VolumesDeleted ?? []);
    return {
      VolumesDeleted: deleted.length ? deleted : null,
      SpaceReclaimed: all.reduce((n, a) => n + a.answer.SpaceReclaimed, 0),
    };
  });
}
