/**
 * A blob to a file, verified while it streams: sha256 over every byte, the size as declared. A partial file
 * from an interrupted download is resumed with `Range: bytes=N-` after its prefix is hashed again, so the
 * digest covers what is on disk, not what was once received. A mismatch removes the file; a dropped
 * connection keeps it for the next attempt.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, stat, truncate } from 'node:fs/promises';
import { Msg, RegistryError } from './errors';
import type { Descriptor } from './manifest';

export interface BlobDownloadOptions {
  /** Bytes of the blob on disk so far (the resumed prefix included), after every chunk. */
  onProgress?: (bytes: number, total: number) => void;
  signal?: AbortSignal;
}

export interface BlobDownloadResult {
  /** Bytes received over the network in this call. */
  fetched: number;
  /** Bytes of an earlier partial file kept and not fetched again. */
  resumedFrom: number;
}

/** Sends the blob request, with a `Range` from `offset` when it is above 0. */
export type BlobRequest = (offset: number) => Promise<Response>;

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return -1;
    throw err;
  }
}

async function hashPrefix(file: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
}

async function fail(file: string, digest: string): Promise<never> {
  await rm(file, { force: true });
  throw new RegistryError('DigestMismatch', Msg.layerVerification(digest));
}

export async function downloadBlob(
  request: BlobRequest,
  desc: Descriptor,
  file: string,
  opts: BlobDownloadOptions = {},
): Promise<BlobDownloadResult> {
  let hash = createHash('sha256');
  let offset = await sizeOf(file);
  if (offset > desc.size) offset = 0;
  if (offset > 0) await hashPrefix(file, hash);
  if (offset === desc.size) {
    if (`sha256:${hash.digest('hex')}` === desc.digest) return { fetched: 0, resumedFrom: offset };
    hash = createHash('sha256');
    offset = 0;
  }
  if (offset <= 0) {
    offset = 0;
    hash = createHash('sha256');
  }
  const resumedFrom = offset;

  let res = await request(offset);
  if (offset > 0 && res.status === 416) {
    await res.body?.cancel();
    offset = 0;
    hash = createHash('sha256');
    res = await request(0);
  }
  if (offset > 0 && res.status === 200) {
    // The registry ignored the Range: start over from this full response.
    offset = 0;
    hash = createHash('sha256');
  } else if (offset > 0 && !(res.status === 206 && res.headers.get('content-range')?.startsWith(`bytes ${offset}-`))) {
    await res.body?.cancel();
    throw new RegistryError('Transport', `resuming ${desc.digest} at byte ${offset}: unexpected ${res.status} answer`);
  }
  if (offset === 0) await truncate(file, 0).catch(() => undefined);

  const fh = await open(file, offset > 0 ? 'a' : 'w');
  let written = offset;
  let fetched = 0;
  try {
    if (!res.body) throw new RegistryError('Transport', `blob ${desc.digest}: empty response`);
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      if (written + chunk.length > desc.size) {
        await fh.close();
        return await fail(file, desc.digest);
      }
      hash.update(chunk);
      await fh.write(chunk);
      written += chunk.length;
      fetched += chunk.length;
      opts.onProgress?.(written, desc.size);
    }
  } catch (err) {
    if (err instanceof RegistryError) throw err;
    const why = opts.signal?.aborted ? 'aborted' : ((err as Error).cause as Error | undefined)?.message || String(err);
    throw new RegistryError(
      'Transport',
      `download of ${desc.digest} interrupted after ${written} of ${desc.size} bytes: ${why}`,
      { cause: err },
    );
  } finally {
    await fh.close().catch(() => undefined);
  }
  if (written !== desc.size || `sha256:${hash.digest('hex')}` !== desc.digest) return fail(file, desc.digest);
  return { fetched, resumedFrom };
}
