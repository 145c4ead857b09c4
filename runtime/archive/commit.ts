import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { ContainerCommitInput } from '../../common/archive-api';
import { applyChanges } from '../../common/commit-changes';
import { ContainerError } from '../../common/errors';
import type { ImageConfig, ImageInfo, ImageRunConfig } from '../../common/image-config';
import type { ContainerRecord } from '../../common/types';
import { collect, releaseLease, writeLease } from '../../images/gc';
import { DOCKER_LAYER_TAR } from '../../images/import';
import { hostPlatform } from '../../images/platform';
import { canonicalKey, parseRef } from '../../images/refs';
import type { ImageStore } from '../../images/store';
import { isPidAlive } from '../fsutil';
import type { ArchiveDeps } from './container-files';
import { upperEntries } from './changes';
import { writeLayerTar } from './layer-tar';

/** The container's config as an image's (Docker's commit starts from the container's Config). */
function runConfigOf(rec: ContainerRecord): ImageRunConfig {
  const c = rec.Config;
  return {
    ...(c.User ? { User: c.User } : {}),
    ExposedPorts: c.ExposedPorts,
    Env: c.Env,
    Entrypoint: c.Entrypoint ?? null,
    Cmd: c.Cmd,
    Volumes: c.Volumes ?? null,
    WorkingDir: c.WorkingDir,
    Labels: c.Labels,
    ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}),
    ...(c.Healthcheck ? { Healthcheck: c.Healthcheck } : {}),
  };
}

const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
const stringMap = (v: unknown) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
const emptyMap = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
/** The request body's fields a commit takes (Docker's container.Config), each with the shape it must have. */
const BODY_FIELDS: Record<string, (v: unknown) => boolean> = {
  User: (v) => typeof v === 'string',
  WorkingDir: (v) => typeof v === 'string',
  StopSignal: (v) => typeof v === 'string',
  Env: strings,
  Cmd: strings,
  Entrypoint: strings,
  Labels: stringMap,
  ExposedPorts: emptyMap,
  Volumes: emptyMap,
};

/** The new image's config: the container's, the request body's fields over it, then each `--change`. */
export function commitRunConfig(rec: ContainerRecord, input: ContainerCommitInput): ImageRunConfig {
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input.config ?? {})) {
    if (v === null || v === undefined || !(k in BODY_FIELDS)) continue;
    if (!BODY_FIELDS[k]!(v))
      throw new ContainerError('InvalidParameter', `invalid config: ${k} has the wrong type`, { retryable: false });
    body[k] = v;
  }
  return applyChanges({ ...runConfigOf(rec), ...(body as ImageRunConfig) }, input.changes ?? []);
}

/** The scratch directory and lease of a commit whose worker was killed mid-way (its pid gone). */
async function sweepDeadCommits(store: ImageStore): Promise<void> {
  const tmp = path.join(store.root, 'tmp');
  for (const name of await fs.readdir(tmp).catch(() => [] as string[])) {
    const pid = /^commit-(\d+)-/.exec(name)?.[1];
    if (!pid || isPidAlive(Number(pid))) continue;
    await fs.rm(path.join(tmp, name), { recursive: true, force: true });
    await releaseLease(store, name);
  }
}

/**
 * docker commit: the container's upper dir as one more layer (layer-tar.ts) over its image's, the config made by
 * commitRunConfig, the history one entry longer, registered in the host's image store and tagged. The running
 * container is frozen while its upper dir is read (unless `pause: false`). The new layer is leased against the
 * collector until the image holds it; on any failure the lease goes and the collector takes the layer: no half image.
 */
export async function commitContainer(
  deps: ArchiveDeps,
  rec: ContainerRecord,
  input: ContainerCommitInput,
): Promise<ImageInfo> {
  const store = deps.images;
  // the reference checked before any work (Docker's 400 for a bad one)
  const refs = input.repo ? [canonicalKey(parseRef(input.tag ? `${input.repo}:${input.tag}` : input.repo))] : [];
  if (input.repo && parseRef(input.repo).digest)
    throw new ContainerError('InvalidParameter', 'refusing to create a tag with a digest reference', {
      retryable: false,
    });
  const runConfig = commitRunConfig(rec, input);
  const baseMeta = rec.Image ? await store.meta(rec.Image) : undefined;
  const base: Partial<ImageConfig> = baseMeta ? await store.config(baseMeta.id) : {};
  await sweepDeadCommits(store);
  const work = path.join(store.root, 'tmp', `commit-${process.pid}-${randomBytes(6).toString('hex')}`);
  const lease = path.basename(work);
  await fs.mkdir(work, { recursive: true, mode: 0o700 });
  const freeze = input.pause !== false && rec.State.Running && !rec.State.Paused;
  try {
    const blob = path.join(work, 'layer.tar');
    const upper = deps.driver.upperDir(rec.Id);
    if (freeze) await deps.driver.pauseProcess(rec.Id);
    let layer;
    try {
      const entries = (await upperEntries(upper)).map((e) => ({ ...e, rel: e.p.slice(1) }));
      layer = await writeLayerTar(upper, entries, blob);
    } finally {
      if (freeze) await deps.driver.resumeProcess(rec.Id);
    }
    await writeLease(store, lease, { diffIDs: [layer.diffID], digests: [layer.diffID] });
    await store.layers.ensure(layer.diffID, () => createReadStream(blob));
    await fs.mkdir(path.dirname(store.blobPath(layer.diffID)), { recursive: true });
    await fs.rename(blob, store.blobPath(layer.diffID));
    const created = new Date().toISOString();
    const config: ImageConfig = {
      ...hostPlatform(),
      ...base,
      created,
      config: runConfig,
      container: rec.Id,
      ...(input.author ? { author: input.author } : {}),
      ...(input.comment ? { comment: input.comment } : {}),
      rootfs: { type: 'layers', diff_ids: [...(base.rootfs?.diff_ids ?? []), layer.diffID] },
      history: [
        ...(base.history ?? []),
        {
          created,
          created_by: [rec.Path, ...rec.Args].join(' '),
          ...(input.author ? { author: input.author } : {}),
          ...(input.comment ? { comment: input.comment } : {}),
        },
      ],
    };
    const id = await store.putConfig(Buffer.from(JSON.stringify(config)));
    const diffSize = await store.diffSize(layer.diffID);
    const top = { diffID: layer.diffID, digest: layer.diffID, mediaType: DOCKER_LAYER_TAR, size: layer.size, diffSize };
    const info = await store.addImage({ id, layers: [...(baseMeta?.layers ?? []), top] }, refs);
    await releaseLease(store, lease);
    return info;
  } catch (err) {
    await releaseLease(store, lease);
    await collect(store);
    throw err;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}
