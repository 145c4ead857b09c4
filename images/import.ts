import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DEFAULT_PATH_ENV } from '../common/env';
import { ContainerError } from '../common/errors';
import type { ImageConfig, ImageInfo } from '../common/image-config';
import { runChecked } from '../runtime/drivers/linux/exec';
import { tool } from '../runtime/drivers/linux/tools';
import { spawnTar } from './tar-out';
import { BUSYBOX_SOURCE, buildBusybox } from './busybox';
import { hostPlatform } from './platform';
import { canonicalKey, parseRef } from './refs';
import type { ImageStore } from './store';

export const DOCKER_LAYER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';

/**
 * `image import NAME SOURCE` (Docker's `docker import`): a rootfs — the host's static busybox, a directory or a
 * tarball in any compression tar reads — as a one-layer image tagged NAME. The layer is the rootfs tarred
 * (kept as its blob, so `save` writes it back), unpacked into the layer store like a pulled one. Importing the
 * same source under the same name again returns the image it made (idempotent, as before layers).
 */
export async function importImage(
  store: ImageStore,
  name: string,
  source: string,
  /** the source to record when `source` is a copy of it (images/legacy.ts) */
  recorded = source,
): Promise<ImageInfo> {
  const ref = parseRef(name);
  if (ref.digest) throw new ContainerError('InvalidParameter', 'refusing to create a tag with a digest reference');
  const key = canonicalKey(ref);
  const current = (await store.refs())[key];
  const currentMeta = current ? await store.meta(current) : undefined;
  if (current && currentMeta?.source === recorded) return store.info(current);

  const work = path.join(store.root, 'tmp', `import-${randomBytes(6).toString('hex')}`);
  await fs.mkdir(work, { recursive: true, mode: 0o700 });
  try {
    const rootfs = await rootfsOf(source, work);
    const blob = path.join(work, 'layer.tar');
    const diffID = await tarToFile(rootfs, blob);
    await store.layers.ensure(diffID, () => createReadStream(blob));
    const size = (await fs.stat(blob)).size;
    await fs.mkdir(path.dirname(store.blobPath(diffID)), { recursive: true });
    await fs.rename(blob, store.blobPath(diffID));
    const created = new Date().toISOString();
    const config: ImageConfig = {
      created,
      ...hostPlatform(),
      config: { Env: [DEFAULT_PATH_ENV], ...(recorded === BUSYBOX_SOURCE ? { Cmd: ['sh'] } : {}) },
      rootfs: { type: 'layers', diff_ids: [diffID] },
      history: [{ created, created_by: 'container-saga image import', comment: `Imported from ${recorded}` }],
    };
    const id = await store.putConfig(Buffer.from(JSON.stringify(config)));
    const layer = { diffID, digest: diffID, mediaType: DOCKER_LAYER_TAR, size, diffSize: await store.diffSize(diffID) };
    return await store.addImage({ id, layers: [layer], source: recorded }, [key]);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** The directory to tar: built (busybox), the source itself (a directory), or the tarball unpacked. */
async function rootfsOf(source: string, work: string): Promise<string> {
  const rootfs = path.join(work, 'rootfs');
  if (source === BUSYBOX_SOURCE) {
    await fs.mkdir(rootfs, { mode: 0o755 });
    await buildBusybox(rootfs);
    return rootfs;
  }
  const st = await fs.stat(source).catch(() => undefined);
  if (!st) throw new ContainerError('InvalidParameter', `image source not found: ${source}`);
  if (st.isDirectory()) return source;
  await fs.mkdir(rootfs, { mode: 0o755 });
  await runChecked(`import from ${source}`, tool('tar'), ['-xf', source, '-C', rootfs, '--numeric-owner']);
  return rootfs;
}

/** Tars `dir` into `file`; returns the tar's digest (the layer's diffID). */
async function tarToFile(dir: string, file: string): Promise<string> {
  const hash = createHash('sha256');
  const tar = spawnTar(dir);
  tar.stdout.on('data', (b: Buffer) => hash.update(b));
  await Promise.all([pipeline(tar.stdout, createWriteStream(file, { mode: 0o600 })), tar.done]);
  return `sha256:${hash.digest('hex')}`;
}
