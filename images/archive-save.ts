import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ContainerError } from '../common/errors';
import { uncompressedLayer } from '../layers/decompress';
import { familiar, isDigestKey, repositoryOf, tryCanonical } from './refs';
import { archiveWorkDir } from './archive-paths';
import type { ImageStore } from './store';
import { TarWriter } from './tar-writer';

/** What a save wrote: each image once, with the tags it was saved under. */
export interface SaveResult {
  images: { id: string; repoTags: string[] }[];
  bytes: number;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';

const hexOf = (digest: string) => digest.slice('sha256:'.length);
const blobName = (digest: string) => `blobs/sha256/${hexOf(digest)}`;

/**
 * `docker save`: the images as one docker-archive at `output`, as Docker 25 writes it (readable by every
 * docker load since 1.10, by skopeo's docker-archive: and, through index.json, as an OCI layout):
 *
 *   manifest.json           [{ Config, RepoTags, Layers }] with paths into blobs/
 *   repositories            { repo: { tag: top layer hex } } (the legacy loaders')
 *   index.json, oci-layout  an OCI image layout of the same blobs
 *   blobs/sha256/<hex>      configs, OCI manifests and each layer as an uncompressed tar (its digest the diffID)
 *
 * A name that is a tag saves the image under that tag; an ID saves it untagged (Docker's way). Written to a
 * temporary file beside `output` and renamed, so a failed save leaves no half archive.
 */
export async function saveImages(
  store: ImageStore,
  names: readonly string[],
  output: string,
  progress: (note: string) => void = () => {},
): Promise<SaveResult> {
  const refs = await store.refs();
  const byId = new Map<string, string[]>();
  const add = (id: string, key?: string) => {
    const tags = byId.get(id) ?? [];
    if (key && !isDigestKey(key) && !tags.includes(familiar(key))) tags.push(familiar(key));
    byId.set(id, tags);
  };
  for (const name of names) {
    // a repository without a tag saves every tag it has (Docker's parseNames)
    const repo = nameOnly(name) ? tryCanonical(name) : undefined;
    const tagged = repo ? Object.entries(refs).filter(([k]) => !isDigestKey(k) && sameRepo(k, repo)) : [];
    for (const [key, id] of tagged) if (await store.meta(id)) add(id, key);
    if (tagged.length) continue;
    const id = await store.resolve(name);
    const key = tryCanonical(name);
    add(id, key && refs[key] === id ? key : undefined);
  }
  const work = await archiveWorkDir(store.root, 'save');
  const partial = `${output}.tmp-${randomBytes(6).toString('hex')}`;
  const tar = new TarWriter(partial);
  try {
    await tar.file('oci-layout', JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    await tar.dir('blobs');
    await tar.dir('blobs/sha256');
    const written = new Map<string, number>();
    const manifest: { Config: string; RepoTags: string[] | null; Layers: string[] }[] = [];
    const index: object[] = [];
    const repositories: Record<string, Record<string, string>> = {};
    for (const [id, tags] of byId) {
      const meta = await store.meta(id);
      if (!meta) throw new ContainerError('NoSuchImage', `No such image: ${id}`);
      const layers: { digest: string; size: number }[] = [];
      for (const [i, layer] of meta.layers.entries()) {
        progress(`image ${id.slice(7, 19)}: layer ${i + 1} of ${meta.layers.length}`);
        const size = await writeLayer(store, tar, layer.diffID, layer.digest, work, written);
        layers.push({ digest: layer.diffID, size });
      }
      const config = await fs.readFile(store.configPath(id));
      if (!written.has(id)) await tar.file(blobName(id), config);
      written.set(id, config.length);
      const ociManifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: OCI_CONFIG, digest: id, size: config.length },
          layers: layers.map((l) => ({ mediaType: OCI_LAYER_TAR, ...l })),
        }),
      );
      const manifestDigest = `sha256:${createHash('sha256').update(ociManifest).digest('hex')}`;
      if (!written.has(manifestDigest)) await tar.file(blobName(manifestDigest), ociManifest);
      written.set(manifestDigest, ociManifest.length);
      const descriptor = { mediaType: OCI_MANIFEST, digest: manifestDigest, size: ociManifest.length };
      if (tags.length === 0) index.push(descriptor);
      for (const tag of tags) {
        const key = tryCanonical(tag)!;
        const tagPart = key.slice(key.lastIndexOf(':') + 1);
        index.push({
          ...descriptor,
          annotations: { 'io.containerd.image.name': key, 'org.opencontainers.image.ref.name': tagPart },
        });
        const top = meta.layers[meta.layers.length - 1];
        if (top) (repositories[familiarRepo(key)] ??= {})[tagPart] = hexOf(top.diffID);
      }
      manifest.push({
        Config: blobName(id),
        RepoTags: tags.length ? tags : null,
        Layers: meta.layers.map((l) => blobName(l.diffID)),
      });
    }
    await tar.file('index.json', JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: index }));
    await tar.file('manifest.json', JSON.stringify(manifest));
    if (Object.keys(repositories).length) await tar.file('repositories', JSON.stringify(repositories));
    await tar.close();
    await fs.rename(partial, output);
  } catch (err) {
    tar.destroy();
    await fs.rm(partial, { force: true });
    throw err;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
  const bytes = (await fs.stat(output)).size;
  return { images: [...byId].map(([id, repoTags]) => ({ id, repoTags })), bytes };
}

/** A reference with neither tag nor digest (`busybox`, `example.test/app`). */
const nameOnly = (text: string) => !text.includes('@') && !/:[^/]*$/.test(text);
const sameRepo = (key: string, other: string) => repositoryOf(key) === repositoryOf(other);

/** `busybox` for docker.io/library/busybox:latest: the repository as Docker's repositories file names it. */
const familiarRepo = (key: string) => familiar(repositoryOf(key));

/**
 * A layer as an uncompressed tar entry (once per archive): the kept blob itself when it is the tar (an imported
 * layer), else the blob decompressed into `work` and checked against the diffID. Returns the tar's size.
 */
async function writeLayer(
  store: ImageStore,
  tar: TarWriter,
  diffID: string,
  digest: string | undefined,
  work: string,
  written: Map<string, number>,
): Promise<number> {
  const done = written.get(diffID);
  if (done !== undefined) return done;
  if (!digest)
    throw new ContainerError('Internal', `layer ${diffID} has no blob kept (cannot be saved): pull the image again`);
  const blob = store.blobPath(digest);
  let file = blob;
  if (digest !== diffID) {
    file = path.join(work, hexOf(diffID));
    const { chunks, hash } = await uncompressedLayer(createReadStream(blob));
    await pipeline(Readable.from(chunks), createWriteStream(file, { mode: 0o600 }));
    const got = `sha256:${hash.digest('hex')}`;
    if (got !== diffID) throw new ContainerError('Internal', `layer blob ${digest} unpacks to ${got}, not ${diffID}`);
  }
  const { size } = await fs.stat(file);
  await tar.copy(blobName(diffID), file, size);
  written.set(diffID, size);
  if (file !== blob) await fs.rm(file, { force: true });
  return size;
}
