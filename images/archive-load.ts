import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError } from '../common/errors';
import type { ImageConfig } from '../common/image-config';
import { applyLayer } from '../layers/apply';
import { detectCompression, uncompressedLayer } from '../layers/decompress';
import { LayerBreakoutError, LayerCompressionError, LayerFormatError } from '../layers/errors';
import { runChecked } from '../runtime/drivers/linux/exec';
import { tool } from '../runtime/drivers/linux/tools';
import { archiveWorkDir } from './archive-paths';
import { readArchive, invalidArchive, type ArchiveImage } from './archive-read';
import { collect, releaseLease, writeLease } from './gc';
import { DOCKER_LAYER_TAR } from './import';
import { familiar } from './refs';
import { sha256, type ImageStore, type LayerRef } from './store';

/** What a load recorded: each image with the tags it got (familiar), and tags it took from other images. */
export interface LoadResult {
  images: { id: string; repoTags: string[] }[];
  /** Docker's "The image X already exists, renaming the old one with ID Y to empty string" */
  renamed: { tag: string; from: string }[];
}

interface Prepared {
  raw: Buffer;
  id: string;
  tags: string[];
  layers: { file: string; diffID: string; digest: string; size: number; mediaType: string }[];
}

/**
 * `docker load`: the images of a docker-archive or an OCI image layout (a tarball, compressed or not, or a
 * directory) at `source` recorded in the store with their tags (a tag moves from the image it was on, as in
 * Docker). Every blob is checked: a layer against its config's diff_id (Docker's "invalid diffID" error), a
 * layout's config and layers against their descriptors. A lease named `lease` holds the layers and blobs
 * from before the first is unpacked; any failure releases it and runs the collector, so nothing of a failed
 * load stays: the images are recorded only once every layer of every image is in place.
 */
export async function loadArchive(
  store: ImageStore,
  source: string,
  lease: string,
  progress: (note: string) => void = () => {},
): Promise<LoadResult> {
  const work = await archiveWorkDir(store.root, 'load');
  try {
    const root = (await fs.stat(source)).isDirectory() ? source : await unpack(source, work);
    const prepared = await Promise.all((await readArchive(root)).map(prepare));
    await writeLease(store, lease, {
      diffIDs: prepared.flatMap((p) => p.layers.map((l) => l.diffID)),
      digests: prepared.flatMap((p) => [p.id, ...p.layers.map((l) => l.digest)]),
    });
    try {
      const metas: { id: string; layers: LayerRef[]; tags: string[] }[] = [];
      for (const p of prepared) {
        await store.putConfig(p.raw, p.id);
        const layers: LayerRef[] = [];
        for (const [i, l] of p.layers.entries()) {
          progress(`image ${p.id.slice(7, 19)}: layer ${i + 1} of ${p.layers.length}`);
          await unpackLayer(store, l.file, l.diffID, i);
          await keepBlob(store, l.file, l.digest);
          const { diffID, digest, size, mediaType } = l;
          layers.push({ diffID, digest, size, mediaType, diffSize: await store.diffSize(diffID) });
        }
        metas.push({ id: p.id, layers, tags: p.tags });
      }
      const result: LoadResult = { images: [], renamed: [] };
      for (const m of metas) {
        const before = await store.refs();
        for (const t of m.tags)
          if (before[t] && before[t] !== m.id) result.renamed.push({ tag: familiar(t), from: before[t] });
        await store.addImage({ id: m.id, layers: m.layers }, m.tags);
        result.images.push({ id: m.id, repoTags: m.tags.map(familiar) });
      }
      await releaseLease(store, lease);
      return result;
    } catch (err) {
      await releaseLease(store, lease);
      await collect(store);
      throw err;
    }
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** A tarball unpacked into `work` by GNU tar (which takes any compression it knows, and no `..` member). */
async function unpack(source: string, work: string): Promise<string> {
  try {
    await runChecked(`unpack ${source}`, tool('tar'), [
      '-xf',
      source,
      '-C',
      work,
      '--no-same-owner',
      '--no-same-permissions',
    ]);
  } catch (err) {
    throw invalidArchive(`${source} is not a tarball tar can read: ${(err as Error).message}`);
  }
  return work;
}

/** The archive's image read and its layers hashed, before anything is written to the store. */
async function prepare(img: ArchiveImage): Promise<Prepared> {
  const raw = await fs.readFile(img.config);
  const id = sha256(raw);
  if (img.configDigest && img.configDigest !== id) throw invalidArchive(`config ${img.configDigest} has digest ${id}`);
  let config: ImageConfig;
  try {
    config = JSON.parse(raw.toString('utf8')) as ImageConfig;
  } catch (err) {
    throw invalidArchive(`config ${id}: ${(err as Error).message}`);
  }
  const diffIDs = config.rootfs?.diff_ids;
  if (!Array.isArray(diffIDs) || diffIDs.some((d) => !/^sha256:[0-9a-f]{64}$/.test(String(d))))
    throw invalidArchive(`config ${id} has no valid rootfs.diff_ids`);
  if (diffIDs.length !== img.layers.length)
    throw new ContainerError(
      'InvalidParameter',
      `invalid manifest, layers length mismatch: expected ${diffIDs.length}, got ${img.layers.length}`,
    );
  const layers = await Promise.all(
    img.layers.map(async (l, i) => {
      const { digest, size, head } = await hashFile(l.file);
      if (l.digest && l.digest !== digest) throw invalidArchive(`layer ${l.digest} has digest ${digest}`);
      return { file: l.file, diffID: diffIDs[i]!, digest, size, mediaType: l.mediaType ?? mediaTypeOf(head) };
    }),
  );
  return { raw, id, tags: img.tags, layers };
}

async function hashFile(file: string): Promise<{ digest: string; size: number; head: Buffer }> {
  const hash = createHash('sha256');
  let size = 0;
  let head = Buffer.alloc(0);
  for await (const c of createReadStream(file)) {
    const b = c as Buffer;
    if (head.length < 8) head = Buffer.concat([head, b.subarray(0, 8)]);
    hash.update(b);
    size += b.length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size, head };
}

function mediaTypeOf(head: Buffer): string {
  const kind = detectCompression(head);
  if (kind === 'gzip') return `${DOCKER_LAYER_TAR}.gzip`;
  if (kind === 'zstd') return 'application/vnd.oci.image.layer.v1.tar+zstd';
  return DOCKER_LAYER_TAR;
}

/**
 * Unpacks a layer unless the store has it, else reads it through (its file becomes the layer's blob, so it
 * must be the layer too); Docker's error when its tar is not the config's diff_id.
 */
async function unpackLayer(store: ImageStore, file: string, diffID: string, i: number): Promise<void> {
  const check = (got: string) => {
    if (got !== diffID)
      throw new ContainerError('InvalidParameter', `invalid diffID for layer ${i}: expected "${diffID}", got "${got}"`);
  };
  try {
    if (store.layers.has(diffID)) {
      const { chunks, hash } = await uncompressedLayer(createReadStream(file));
      for await (const _ of chunks);
      return check(`sha256:${hash.digest('hex')}`);
    }
    await store.layers.ensureFrom(diffID, async (dir) =>
      check((await applyLayer(createReadStream(file), dir, 'overlay')).diffID),
    );
  } catch (err) {
    if (err instanceof LayerFormatError || err instanceof LayerCompressionError || err instanceof LayerBreakoutError)
      throw invalidArchive(`layer ${i}: ${err.message}`);
    throw err;
  }
}

/** The layer file kept as its blob (what a later save writes back), unless the store has it. */
async function keepBlob(store: ImageStore, file: string, digest: string): Promise<void> {
  const dest = store.blobPath(digest);
  if (await fs.stat(dest).catch(() => undefined)) return;
  await fs.mkdir(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${randomBytes(6).toString('hex')}`;
  await fs.copyFile(file, tmp);
  await fs.rename(tmp, dest);
}
