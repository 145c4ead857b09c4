import { createHash, type Hash } from 'node:crypto';
import { PassThrough, pipeline, type Readable, type Transform } from 'node:stream';
import zlib from 'node:zlib';
import { LayerCompressionError } from './errors';

type Magic = { name: string; bytes: number[] };
const MAGICS: Magic[] = [
  { name: 'gzip', bytes: [0x1f, 0x8b] },
  { name: 'zstd', bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  { name: 'xz', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { name: 'bzip2', bytes: [0x42, 0x5a, 0x68] },
];

/** The compression a layer's first bytes announce ('none' for a plain tar). */
export function detectCompression(head: Buffer): string {
  const m = MAGICS.find((x) => x.bytes.every((b, i) => head[i] === b));
  return m ? m.name : 'none';
}

function decompressor(kind: string): Transform | undefined {
  if (kind === 'none') return undefined;
  if (kind === 'gzip') return zlib.createGunzip();
  // zstd arrived in Node's zlib in 22.15 / 23.8; older Nodes cannot read such layers
  const zstd = (zlib as unknown as { createZstdDecompress?: () => Transform }).createZstdDecompress;
  if (kind === 'zstd' && zstd) return zstd();
  throw new LayerCompressionError(`unsupported layer compression: ${kind}`);
}

/**
 * The uncompressed tar of a layer blob, as chunks, and the running sha256 of them (the diffID once the
 * chunks are all read).
 */
export async function uncompressedLayer(blob: Readable): Promise<{ chunks: AsyncIterable<Buffer>; hash: Hash }> {
  const it = blob[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  // Enough bytes to tell the format (chunks can be tiny)
  let head = Buffer.alloc(0);
  while (head.length < 6) {
    const r = await it.next();
    if (r.done) break;
    head = Buffer.concat([head, Buffer.from(r.value)]);
  }
  const rest = (async function* () {
    yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield Buffer.from(r.value);
  })();
  const hash = createHash('sha256');
  const d = decompressor(detectCompression(head));
  const src: Readable = d ? pipeline(rest, d, () => {}) : pipeline(rest, new PassThrough(), () => {});
  const chunks = (async function* () {
    for await (const c of src) {
      hash.update(c as Buffer);
      yield c as Buffer;
    }
  })();
  return { chunks, hash };
}
