import { ContainerError, Messages } from '../common/errors';
import type { VolumeInspectInput, VolumeListInput, VolumeListResult, VolumeRecord } from '../common/volumes-api';
import { detailOf } from './failures';
import { onHost } from './host-routing';
import { onEveryHost, registered } from './host-verbs';
import { fast } from './options';

/**
 * The volume reads across hosts, shared by the volume workflows (volume-verbs.ts) and the reads workflow
 * (reads.ts). Not workflows themselves: workflows/index.ts does not export this module.
 */

/** Each host's answer, or undefined where the host has no such volume; other failures stand. */
function unlessNoVolume<T>(err: unknown): T | undefined {
  if (detailOf(err).type !== 'NoSuchVolume') throw err;
  return undefined;
}

/** The hosts that have the volume, each with its record (on `host` only, when given). */
export async function hostsWithVolume(
  host: string | undefined,
  name: string,
): Promise<Array<{ host: string; volume: VolumeRecord }>> {
  if (host) await registered(host);
  const all = host
    ? [
        {
          host,
          answer: await onHost(host, fast)
            .inspectVolume({ name })
            .catch(unlessNoVolume<VolumeRecord>),
        },
      ]
    : await onEveryHost(fast, (acts) => acts.inspectVolume({ name }).catch(unlessNoVolume<VolumeRecord>));
  return all.flatMap((a) => (a.answer ? [{ host: a.host, volume: a.answer }] : []));
}

/** Every live host's volumes (by host name), or `host`'s. */
export async function listOnHosts(input: VolumeListInput): Promise<VolumeListResult> {
  const { host, ...rest } = input;
  if (host) await registered(host);
  const all = host
    ? [{ host, answer: await onHost(host, fast).listVolumes(rest) }]
    : await onEveryHost(fast, (acts) => acts.listVolumes(rest));
  return { Volumes: all.flatMap((a) => a.answer.Volumes), Warnings: all.flatMap((a) => a.answer.Warnings) };
}

/** The volume on the first host (by name) that has it, else Docker's 404. */
export async function inspectOnHosts(input: VolumeInspectInput): Promise<VolumeRecord> {
  const found = await hostsWithVolume(input.host, input.name);
  if (!found[0]) throw new ContainerError('NoSuchVolume', Messages.noSuchVolume(input.name));
  return found[0].volume;
}
