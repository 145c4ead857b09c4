import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError, Messages } from '../common/errors';
import type { ImageConfig, ImageInfo } from '../common/image-config';
import { LayerStore } from '../layers/store';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../runtime/fsutil';
import { canonicalKey, familiar, ID_PATTERN, isDigestKey, parseRef } from './refs';
import { treeSize } from './tree-size';

/** One layer of an image: its diffID (the uncompressed tar's digest) and the blob it came as, if kept. */
export interface LayerRef {
  diffID: string;
  /** the blob's digest as pulled or loaded (`blobs/sha256/<hex>`); absent when no blob was kept */
  digest?: string;
  mediaType?: string;
  /** the blob's bytes */
  size?: number;
  /** bytes of the unpacked layer */
  diffSize: number;
}

/** What the store keeps of an image beside its config. */
export interface ImageMeta {
  id: string;
  layers: LayerRef[];
  /** when the image was stored */
  stored: string;
  lastTagTime?: string;
  /** `image import`: the source it was made from (a re-import of the same source under a tag is a no-op) */
  source?: string;
}

const hexOf = (digest: string) => digest.slice('sha256:'.length);
export const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/**
 * A host's images, content-addressed as Docker's image store keeps them: an image is its config blob (the ID is
 * the config's sha256), its layers are unpacked once per diffID in the LayerStore (shared read-only lowers), and
 * references (tags, and the digests pulled by) point at IDs in repositories.json.
 *
 *   <root>/repositories.json   { "<canonical ref>": "<image ID>" }
 *   <root>/configs/<hex>       the config blob, byte for byte (its sha256 is the ID)
 *   <root>/meta/<hex>.json     ImageMeta
 *   <root>/blobs/sha256/<hex>  layer blobs as fetched or loaded (what `save` writes back)
 *   <root>/partial/<hex>       downloads not finished (resumed with a Range request)
 *   <root>/leases/<name>.json  digests an unfinished pull holds against the garbage collector
 *   <root>/overlay/            the LayerStore: layers/<hex>/diff, l/<short link>
 *
 * Changes of repositories.json and the metas go through one lock per store (one worker per state root).
 */
export class ImageStore {
  readonly layers: LayerStore;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(readonly root: string) {
    this.layers = new LayerStore(path.join(root, 'overlay'));
  }

  configPath(id: string): string {
    return path.join(this.root, 'configs', hexOf(id));
  }
  metaPath(id: string): string {
    return path.join(this.root, 'meta', `${hexOf(id)}.json`);
  }
  blobPath(digest: string): string {
    return path.join(this.root, 'blobs', 'sha256', hexOf(digest));
  }
  partialPath(digest: string): string {
    return path.join(this.root, 'partial', hexOf(digest));
  }
  get leasesDir(): string {
    return path.join(this.root, 'leases');
  }

  /** Runs `fn` with the store's changes serialised. */
  locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  async refs(): Promise<Record<string, string>> {
    return (await readJson<Record<string, string>>(path.join(this.root, 'repositories.json'))) ?? {};
  }

  private writeRefs(refs: Record<string, string>): Promise<void> {
    return writeJsonAtomic(path.join(this.root, 'repositories.json'), refs);
  }

  async meta(id: string): Promise<ImageMeta | undefined> {
    return readJson<ImageMeta>(this.metaPath(id));
  }

  async config(id: string): Promise<ImageConfig> {
    return JSON.parse(await fs.readFile(this.configPath(id), 'utf8')) as ImageConfig;
  }

  async ids(): Promise<string[]> {
    const names = await fs.readdir(path.join(this.root, 'meta')).catch(() => [] as string[]);
    return names.filter((n) => /^[0-9a-f]{64}\.json$/.test(n)).map((n) => `sha256:${n.slice(0, 64)}`);
  }

  /** Stores a config blob (verified against `expected` when given); returns the image ID. */
  async putConfig(raw: Buffer, expected?: string): Promise<string> {
    const id = sha256(raw);
    if (expected !== undefined && expected !== id)
      throw new ContainerError('InvalidParameter', `config digest mismatch: ${id}, expected ${expected}`);
    const file = this.configPath(id);
    if (!(await fs.stat(file).catch(() => undefined))) await writeFileAtomic(file, raw);
    return id;
  }

  /**
   * Records an image whose config is stored and whose layers are unpacked, and points `refs` (canonical keys)
   * at it. Idempotent: storing the same image again keeps its first `stored` time.
   */
  async addImage(meta: Omit<ImageMeta, 'stored'>, refs: readonly string[]): Promise<ImageInfo> {
    return this.locked(async () => {
      const config = await this.config(meta.id);
      const diffIDs = config.rootfs?.diff_ids ?? [];
      if (diffIDs.join() !== meta.layers.map((l) => l.diffID).join())
        throw new ContainerError('InvalidParameter', `image ${meta.id}: layers do not match its config's diff_ids`);
      for (const l of meta.layers)
        if (!this.layers.has(l.diffID)) throw new ContainerError('Internal', `layer ${l.diffID} is not unpacked`);
      const now = new Date().toISOString();
      const existing = await this.meta(meta.id);
      const stored: ImageMeta = {
        ...meta,
        stored: existing?.stored ?? now,
        ...(refs.length ? { lastTagTime: now } : {}),
      };
      if (existing?.source && !stored.source) stored.source = existing.source;
      await writeJsonAtomic(this.metaPath(meta.id), stored);
      if (refs.length > 0) {
        const all = await this.refs();
        for (const r of refs) all[r] = meta.id;
        await this.writeRefs(all);
      }
      return this.info(meta.id);
    });
  }

  /** Points a tag at an image (Docker's tag: it moves from any image it was on). */
  async tag(id: string, key: string): Promise<void> {
    await this.locked(async () => {
      const meta = await this.meta(id);
      if (!meta) throw new ContainerError('NoSuchImage', Messages.noSuchImage(id));
      const all = await this.refs();
      all[key] = id;
      await this.writeRefs(all);
      await writeJsonAtomic(this.metaPath(id), { ...meta, lastTagTime: new Date().toISOString() });
    });
  }

  /** Removes references; returns those that were there. */
  async untag(keys: readonly string[]): Promise<string[]> {
    return this.locked(async () => {
      const all = await this.refs();
      const gone = keys.filter((k) => k in all);
      for (const k of gone) delete all[k];
      if (gone.length) await this.writeRefs(all);
      return gone;
    });
  }

  /** Forgets an image (its references first); its layers go at the next collect() unless another image has them. */
  async deleteImage(id: string): Promise<void> {
    await this.locked(async () => {
      const all = await this.refs();
      for (const [k, v] of Object.entries(all)) if (v === id) delete all[k];
      await this.writeRefs(all);
      await fs.rm(this.metaPath(id), { force: true });
      await fs.rm(this.configPath(id), { force: true });
    });
  }

  /**
   * Docker's image lookup (daemon.GetImage): a full ID; a reference (a tag, or a digest pulled by); a unique
   * prefix of an ID. Undefined when nothing matches; a bad reference that is no ID prefix is Docker's 400.
   */
  async find(text: string): Promise<string | undefined> {
    const full = /^(?:sha256:)?([0-9a-f]{64})$/.exec(text);
    if (full && (await this.meta(`sha256:${full[1]}`))) return `sha256:${full[1]}`;
    const hex = /^(?:sha256:)?([0-9a-f]{1,63})$/.exec(text)?.[1];
    let key: string | undefined;
    try {
      if (!full) key = canonicalKey(parseRef(text));
    } catch (err) {
      if (!hex) throw err;
    }
    if (key) {
      const id = (await this.refs())[key];
      if (id && (await this.meta(id))) return id;
    }
    if (hex) {
      const matches = (await this.ids()).filter((id) => hexOf(id).startsWith(hex));
      if (matches.length === 1) return matches[0];
    }
    return undefined;
  }

  /** find(), or Docker's 404 "No such image". */
  async resolve(text: string): Promise<string> {
    const id = await this.find(text);
    if (!id) throw new ContainerError('NoSuchImage', Messages.noSuchImage(text));
    return id;
  }

  async info(id: string, refs?: Record<string, string>): Promise<ImageInfo> {
    const meta = await this.meta(id);
    if (!meta) throw new ContainerError('NoSuchImage', Messages.noSuchImage(id));
    const config = await this.config(id);
    const mine = Object.entries(refs ?? (await this.refs()))
      .filter(([, v]) => v === id)
      .map(([k]) => k)
      .sort();
    const repoTags = mine.filter((k) => !isDigestKey(k)).map(familiar);
    const repoDigests = mine.filter(isDigestKey).map(familiar);
    return {
      // `image ls --json`'s name as before tags: `busybox` for busybox:latest, `tarred:1.0` otherwise
      name: repoTags[0]?.replace(/:latest$/, '') ?? '<none>:<none>',
      id,
      repoTags,
      repoDigests,
      created: config.created ?? meta.stored,
      sizeBytes: meta.layers.reduce((n, l) => n + l.diffSize, 0),
      layerSizes: meta.layers.map((l) => l.diffSize),
      ...(meta.lastTagTime ? { lastTagTime: meta.lastTagTime } : {}),
      config,
    };
  }

  async list(): Promise<ImageInfo[]> {
    const refs = await this.refs();
    const out: ImageInfo[] = [];
    for (const id of await this.ids()) {
      try {
        out.push(await this.info(id, refs));
      } catch (err) {
        // removed while listing
        if (!(err instanceof ContainerError && err.type === 'NoSuchImage')) throw err;
      }
    }
    return out;
  }

  /** The image's layers bottom first, each with its directory (for the mount and a remapped copy). */
  async layerDirs(id: string): Promise<{ diffID: string; dir: string }[]> {
    const meta = await this.meta(id);
    if (!meta) throw new ContainerError('NoSuchImage', Messages.noSuchImage(id));
    return this.layersOf(meta);
  }

  layersOf(meta: ImageMeta): { diffID: string; dir: string }[] {
    return meta.layers.map((l) => ({ diffID: l.diffID, dir: this.layers.diffDir(l.diffID) }));
  }

  /** Bytes of an unpacked layer (Docker's layer size). */
  diffSize(diffID: string): Promise<number> {
    return treeSize(this.layers.diffDir(diffID));
  }

  isId(text: string): boolean {
    return ID_PATTERN.test(text);
  }
}
