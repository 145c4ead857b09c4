import { ContainerError } from '../common/errors';
import { WorkflowTypes } from '../common/names';
import type { VolumeCreateInput, VolumeFilters, VolumePruneInput } from '../common/volumes-api';
import { plainMetadata } from '../common/workflow-metadata';
// Types only: the workflows run in the worker's sandbox and are started by registered name.
import type { volumeCreate, volumePrune, volumeRemove } from '../workflows/volume-verbs';
import { HOST_LABEL, run } from './api';
import type { Session } from './connection';
import { read } from './reads';

/** The volume verbs (workflows/volume-verbs.ts): on `host`, else where the workflow finds or places the volume. */

const onHost = <T extends object>(input: T, host: string | undefined) =>
  host === undefined ? input : { ...input, host };

/**
 * docker volume create: the label container-saga.host pins the volume to a host, as it pins a container
 * (compose files can only send labels); naming another host than `host` is InvalidParameter.
 */
export function createVolume(s: Session, input: VolumeCreateInput) {
  const label = input.labels?.[HOST_LABEL];
  if (input.host !== undefined && label !== undefined && label !== input.host)
    throw new ContainerError(
      'InvalidParameter',
      `--host ${input.host} and label ${HOST_LABEL}=${label} name different hosts`,
    );
  const { host: pinned, ...rest } = input;
  const host = pinned ?? label;
  return run<typeof volumeCreate>(
    s,
    WorkflowTypes.volumeCreate,
    { args: [onHost(rest, host)] },
    { meta: plainMetadata('volume create', input.name, [['host', host ?? 'placed']]) },
  );
}

// ls and inspect are reads: Updates of the task queue's reads workflow (client/reads.ts), no run each.

/** docker volume ls */
export const listVolumes = (s: Session, filters: VolumeFilters, host?: string) =>
  read(s, 'volumeList', onHost({ filters }, host));

/** docker volume inspect NAME */
export const inspectVolume = (s: Session, name: string, host?: string) =>
  read(s, 'volumeInspect', onHost({ name }, host));

/** docker volume rm [-f] NAME */
export const removeVolume = (s: Session, name: string, force: boolean, host?: string) =>
  run<typeof volumeRemove>(
    s,
    WorkflowTypes.volumeRemove,
    { args: [onHost({ name, force }, host)] },
    { meta: plainMetadata(force ? 'volume rm -f' : 'volume rm', name, [['host', host ?? 'where it is']]) },
  );

/** docker volume prune [-a] */
export const pruneVolumes = (s: Session, input: VolumePruneInput) =>
  run<typeof volumePrune>(
    s,
    WorkflowTypes.volumePrune,
    { args: [input] },
    {
      meta: plainMetadata(input.all ? 'volume prune -a' : 'volume prune', undefined, [
        ['volumes', input.all ? 'every volume no container uses' : 'anonymous volumes no container uses'],
        ['host', input.host ?? 'every live host'],
      ]),
    },
  );
