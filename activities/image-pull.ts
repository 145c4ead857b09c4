import { createReadStream, existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { ContainerError } from '../common/errors';
import type { HostPullResult, LayerHeartbeat, PullAuth, PullLayer, ResolvedPull } from '../common/pull-api';
import { collect, releaseLease, writeLease, type Collected } from '../images/gc';
import { canonicalKey } from '../images/refs';
import type { ImageStore } from '../images/store';
import { parsePlatform } from '../registry/manifest';
import { familiarString } from '../registry/reference';
import { pullError, registryFor } from './pull-registry';
import { classified } from './to-failure';

/**
 * The pull's activities on one host (workflows/image-pull.ts): resolve (manifest, config, the lease), one per
 * missing layer (download with resume, verify, unpack), record, and the compensation. Two pulls on this worker
 * that need one blob share its download (`inflight`); a layer already unpacked is not fetched.
 */
export function createPullActivities(images: ImageStore) {
  const inflight = new Map<string, { done: Promise<number>; beat: LayerHeartbeat }>();

  /** Runs fn with a heartbeat a second carrying `beat()`; a cancelled activity ends as cancelled. */
  async function beating<T>(beat: () => LayerHeartbeat | undefined, fn: () => Promise<T>): Promise<T> {
    const ctx = Context.current();
    const timer = setInterval(() => ctx.heartbeat(beat()), 1000);
    try {
      return await classified(async () => {
        try {
          return await fn();
        } catch (err) {
          throw pullError(err);
        }
      });
    } catch (err) {
      if (ctx.cancellationSignal.aborted) throw new CancelledFailure(`cancelled: ${(err as Error).message}`);
      throw err;
    } finally {
      clearInterval(timer);
    }
  }

  async function fetchLayer(input: PullLayerInput, beat: LayerHeartbeat, signal: AbortSignal): Promise<number> {
    const { layer } = input;
    const blob = images.blobPath(layer.digest);
    if (!existsSync(blob)) {
      const { ref, client } = registryFor(input.reference, input.auth);
      const partial = images.partialPath(layer.digest);
      await fs.mkdir(path.dirname(partial), { recursive: true });
      const desc = { mediaType: layer.mediaType, digest: layer.digest, size: layer.size };
      // resumes from the partial file's size with a Range request, and verifies the digest
      const got = await client.downloadBlob(ref.path, desc, partial, {
        signal,
        onProgress: (n) => (beat.offset = n),
      });
      beat.phase = 'verifying';
      await fs.mkdir(path.dirname(blob), { recursive: true });
      await fs.rename(partial, blob);
      beat.offset = layer.size;
      beat.phase = 'extracting';
      await images.layers.ensure(layer.diffID, () => createReadStream(blob));
      return got.fetched;
    }
    beat.phase = 'extracting';
    await images.layers.ensure(layer.diffID, () => createReadStream(blob));
    return 0;
  }

  return {
    /**
     * Docker's pull up to the first layer: the reference parsed (400 before any connection), the manifest for the
     * platform, the config blob verified and stored, and the lease naming every layer and blob written before the
     * first layer byte is fetched. Reports which layers this host has already.
     */
    async resolveImagePull(input: ResolveInput): Promise<ResolvedPull> {
      return beating(
        () => undefined,
        async () => {
          const { ref, client } = registryFor(input.reference, input.auth);
          const platform = input.platform ? parsePlatform(input.platform) : undefined;
          const signal = Context.current().cancellationSignal;
          const m = await client.getManifest(ref, platform, signal);
          const digests = [m.config.digest, ...m.layers.map((l) => l.digest)];
          await writeLease(images, input.lease, { diffIDs: [], digests });
          const file = images.partialPath(m.config.digest);
          await fs.mkdir(path.dirname(file), { recursive: true });
          await client.downloadBlob(ref.path, m.config, file, { signal });
          const raw = await fs.readFile(file);
          const id = await images.putConfig(raw, m.config.digest);
          await fs.rm(file, { force: true });
          const diffIDs = (JSON.parse(raw.toString('utf8')) as { rootfs?: { diff_ids?: unknown } }).rootfs?.diff_ids;
          if (!Array.isArray(diffIDs) || diffIDs.length !== m.layers.length || !diffIDs.every(isDigest))
            throw new ContainerError('Internal', `image config ${id}: its diff_ids do not match the manifest's layers`);
          await writeLease(images, input.lease, { diffIDs, digests });
          const digest = m.indexDigest ?? m.digest;
          const repo = `${ref.domain}/${ref.path}`;
          return {
            key: canonicalKey(ref),
            familiar: familiarString(ref),
            digestKey: `${repo}@${digest}`,
            digest,
            id,
            layers: m.layers.map((l, i) => ({
              digest: l.digest,
              diffID: diffIDs[i] as string,
              size: l.size,
              mediaType: l.mediaType,
              state: images.layers.has(diffIDs[i] as string) ? 'already exists' : 'waiting',
            })),
          };
        },
      );
    },

    /**
     * One layer: downloaded into the partial file (resumed where an earlier attempt, on any worker of this host,
     * left it), verified, moved to the blobs, unpacked. Heartbeats its byte offset. Returns the bytes fetched.
     */
    async pullLayer(input: PullLayerInput): Promise<{ fetched: number }> {
      const { layer } = input;
      let shared = inflight.get(layer.digest);
      const beat = () => shared?.beat;
      return beating(beat, async () => {
        if (images.layers.has(layer.diffID)) return { fetched: 0 };
        if (!shared) {
          const b: LayerHeartbeat = { digest: layer.digest, offset: 0, total: layer.size, phase: 'downloading' };
          const done = fetchLayer(input, b, Context.current().cancellationSignal).finally(() =>
            inflight.delete(layer.digest),
          );
          shared = { done, beat: b };
          inflight.set(layer.digest, shared);
          return { fetched: await done };
        }
        await shared.done;
        return { fetched: 0 };
      });
    },

    /** The image recorded under the tag's key and `repo@digest` (Docker's RepoDigests); the lease released. */
    async recordPulledImage(input: { resolved: ResolvedPull; lease: string }): Promise<Omit<HostPullResult, 'host'>> {
      return classified(async () => {
        const r = input.resolved;
        const before = await images.refs();
        const layers = await Promise.all(
          r.layers.map(async (l) => ({
            diffID: l.diffID,
            ...(existsSync(images.blobPath(l.digest)) ? { digest: l.digest } : {}),
            mediaType: l.mediaType,
            size: l.size,
            diffSize: await images.diffSize(l.diffID),
          })),
        );
        const fetched = r.layers.some((l) => l.state !== 'already exists');
        const upToDate = !fetched && before[r.key] === r.id && before[r.digestKey] === r.id;
        await images.addImage({ id: r.id, layers }, r.key === r.digestKey ? [r.key] : [r.key, r.digestKey]);
        await releaseLease(images, input.lease);
        const status = `${upToDate ? 'Image is up to date for' : 'Downloaded newer image for'} ${r.familiar}`;
        return { id: r.id, digest: r.digest, status, updated: !upToDate };
      });
    },

    /** A failed or cancelled pull's compensation: its lease released, then what nothing holds collected. */
    async abandonPull(input: { lease: string }): Promise<Collected> {
      return classified(async () => {
        await releaseLease(images, input.lease);
        return collect(images);
      });
    },
  };
}

const isDigest = (d: unknown) => typeof d === 'string' && /^sha256:[0-9a-f]{64}$/.test(d);

export interface ResolveInput {
  reference: string;
  platform?: string;
  auth?: PullAuth;
  /** the lease's name: the pull's workflow and run */
  lease: string;
}

export interface PullLayerInput {
  reference: string;
  auth?: PullAuth;
  layer: Pick<PullLayer, 'digest' | 'diffID' | 'size' | 'mediaType'>;
}

export type PullActivities = ReturnType<typeof createPullActivities>;
