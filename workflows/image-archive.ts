import { workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import { ContainerError } from '../common/errors';
import type { ImageLoadInput, ImageLoadResult, ImageSaveInput, ImageSaveResult } from '../common/image-archive-api';
import { checkInput, surfaced } from './failures';
import { hostViews, isHostUnavailable, liveHostNames, onHost } from './host-routing';
import { cleanup, fast } from './options';

/**
 * `image save` and `image load`: one activity on the host whose worker reads or writes the archive file (its
 * path is the input; archives are no Temporal payloads: docs/design.md, "Image archives"). New workflow types,
 * so no patch.
 */

/** An archive can be gigabytes: room to copy and unpack it, heartbeats to notice a worker gone. */
const archive: ActivityOptions = {
  startToCloseTimeout: '2h',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3 },
};

async function registered(host: string): Promise<void> {
  if (!(await hostViews()).some((h) => h.name === host))
    throw new ContainerError('NoSuchHost', `No such host: ${host}`);
}

/** Every live host's answer (hosts gone meanwhile left out), in host-name order. */
async function onLiveHosts<T>(ask: (host: string) => Promise<T>): Promise<{ host: string; answer: T }[]> {
  const hosts = (await liveHostNames()).sort();
  const all = await Promise.all(
    hosts.map((host) =>
      ask(host).then(
        (answer) => ({ host, answer }),
        (err: unknown) => {
          if (isHostUnavailable(err)) return undefined;
          throw err;
        },
      ),
    ),
  );
  return all.filter((a): a is { host: string; answer: T } => a !== undefined);
}

/** The first live host (by name) that has every image; else Docker's 404 for one no host has, or a 409. */
async function hostWithAll(images: string[]): Promise<string> {
  const answers = await onLiveHosts((h) => onHost(h, fast).findImages({ images }));
  if (answers.length === 0) throw new ContainerError('HostUnavailable', 'no live host to save the images from');
  const all = answers.find((a) => a.answer.missing.length === 0);
  if (all) return all.host;
  for (const name of images) {
    const lacking = answers.map((a) => a.answer.missing.find((m) => m.name === name));
    if (lacking.every((m) => m !== undefined)) throw new ContainerError('NoSuchImage', lacking[0]!.message);
  }
  const where = images.map((name) => {
    const hosts = answers.filter((a) => !a.answer.missing.some((m) => m.name === name)).map((a) => a.host);
    return `${name} on ${hosts.join(', ')}`;
  });
  throw new ContainerError(
    'Conflict',
    `no one host has all of the images (${where.join('; ')}): save them from one host with --host, one archive per host`,
  );
}

export function imageSave(input: ImageSaveInput): Promise<ImageSaveResult> {
  checkInput('imageSave', input);
  return surfaced(async () => {
    if (input.images.length === 0) throw new ContainerError('InvalidParameter', 'save needs at least one image');
    if (input.host) await registered(input.host);
    const host = input.host ?? (await hostWithAll(input.images));
    const saved = await onHost(host, archive).saveImages({ images: input.images, output: input.output });
    return { host, ...saved };
  });
}

/** The load on one host; when it fails for good, its lease released there (unless the host is gone). */
async function loadOn(host: string, input: string, lease: string) {
  try {
    return await onHost(host, archive).loadImages({ input, lease });
  } catch (err) {
    if (!isHostUnavailable(err)) await onHost(host, cleanup).releaseLoad({ lease });
    throw err;
  }
}

export function imageLoad(input: ImageLoadInput): Promise<ImageLoadResult> {
  checkInput('imageLoad', input);
  return surfaced(async () => {
    const lease = workflowInfo().workflowId;
    if (input.host) {
      await registered(input.host);
      return { hosts: [input.host], ...(await loadOn(input.host, input.input, lease)) };
    }
    const all = await onLiveHosts((h) => loadOn(h, input.input, lease));
    if (all.length === 0) throw new ContainerError('HostUnavailable', 'no live host to load the images on');
    return { hosts: all.map((a) => a.host), ...all[0]!.answer };
  });
}
