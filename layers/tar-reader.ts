import { LayerFormatError } from './errors';

/** One tar entry, PAX and GNU long names already folded in. */
export interface TarEntry {
  name: string;
  type: 'file' | 'link' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';
  linkname: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  devmajor: number;
  devminor: number;
  xattrs: Map<string, Buffer>;
  /** The content; must be read to its end (or left: the reader skips what is left). */
  body: AsyncIterable<Buffer>;
}

const TYPES: Record<string, TarEntry['type']> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
};

/** Exact-length reads over an async iterable of chunks. */
class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  constructor(private readonly it: AsyncIterator<Buffer>) {}
  private async fill(n: number): Promise<boolean> {
    while (this.buf.length < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else this.buf = this.buf.length ? Buffer.concat([this.buf, r.value]) : r.value;
    }
    return this.buf.length >= n;
  }
  async read(n: number): Promise<Buffer | null> {
    if (!(await this.fill(n))) return null;
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
  /** Up to n bytes in pieces as they arrive. */
  async *pieces(n: number): AsyncGenerator<Buffer> {
    while (n > 0) {
      if (!(await this.fill(1))) throw new LayerFormatError('unexpected EOF in tar entry');
      const out = this.buf.subarray(0, Math.min(n, this.buf.length));
      this.buf = this.buf.subarray(out.length);
      n -= out.length;
      yield out;
    }
  }
  /** No byte left (the source has ended). */
  async atEnd(): Promise<boolean> {
    return !(await this.fill(1));
  }
  async drain(): Promise<void> {
    while (!this.done) if ((await this.it.next()).done) this.done = true;
  }
}

function str(b: Buffer, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const z = s.indexOf(0);
  return s.subarray(0, z < 0 ? len : z).toString('utf8');
}

function num(b: Buffer, off: number, len: number): number {
  // GNU base-256 for values too large for octal
  if (b[off] & 0x80) {
    let v = b[off] & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + b[off + i];
    return v;
  }
  const s = str(b, off, len).trim();
  return s ? parseInt(s, 8) : 0;
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  return sum === num(h, 148, 8);
}

/** PAX records: "<len> <key>=<value>\n"; values kept as bytes (xattrs are binary). */
function parsePax(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let off = 0;
  while (off < data.length) {
    const sp = data.indexOf(0x20, off);
    const len = parseInt(data.subarray(off, sp).toString('ascii'), 10);
    if (sp < 0 || !(len > 0) || off + len > data.length) throw new LayerFormatError('invalid PAX record');
    const rec = data.subarray(sp + 1, off + len - 1);
    const eq = rec.indexOf(0x3d);
    out.set(rec.subarray(0, eq).toString('utf8'), rec.subarray(eq + 1));
    off += len;
  }
  return out;
}

async function readAll(r: ByteReader, size: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of r.pieces(size)) parts.push(p);
  await r.read((512 - (size % 512)) % 512);
  return Buffer.concat(parts);
}

/** Parses a ustar/PAX/GNU tar stream; the caller consumes each entry's body before asking for the next. */
export async function* readTar(source: AsyncIterable<Buffer>): AsyncGenerator<TarEntry> {
  const r = new ByteReader(source[Symbol.asyncIterator]());
  let pax = new Map<string, Buffer>();
  let global = new Map<string, Buffer>();
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    // Ending at a header boundary without the two zero blocks ends the archive, as Go's archive/tar (Docker's
    // applier) reads it: `umoci insert` writes layers so. A partial header, or one a PAX/long name announced, is not.
    if (pax.size === 0 && longName === undefined && longLink === undefined && (await r.atEnd())) break;
    const h = await r.read(512);
    if (!h) throw new LayerFormatError('unexpected EOF in tar stream');
    if (h.every((x) => x === 0)) break;
    if (!checksumOk(h)) throw new LayerFormatError('invalid tar header checksum');
    const flag = String.fromCharCode(h[156]);
    const size = num(h, 124, 12);
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      const data = await readAll(r, size);
      if (flag === 'x') pax = parsePax(data);
      else if (flag === 'g') global = new Map([...global, ...parsePax(data)]);
      else if (flag === 'L') longName = str(data, 0, data.length);
      else longLink = str(data, 0, data.length);
      continue;
    }
    const type = TYPES[flag];
    if (!type) throw new LayerFormatError(`unsupported tar entry type ${JSON.stringify(flag)}`);
    const p = new Map([...global, ...pax]);
    const v = (k: string): string | undefined => p.get(k)?.toString('utf8');
    const prefix = str(h, 345, 155);
    const name = v('path') ?? longName ?? (prefix ? `${prefix}/${str(h, 0, 100)}` : str(h, 0, 100));
    const xattrs = new Map<string, Buffer>();
    for (const [k, val] of p) if (k.startsWith('SCHILY.xattr.')) xattrs.set(k.slice(13), val);
    const bodySize = type === 'file' ? Number(v('size') ?? size) : 0;
    let left = bodySize;
    const body = (async function* () {
      for await (const piece of r.pieces(left)) {
        left -= piece.length;
        yield piece;
      }
    })();
    yield {
      name,
      type,
      xattrs,
      body,
      linkname: v('linkpath') ?? longLink ?? str(h, 157, 100),
      mode: num(h, 100, 8),
      uid: Number(v('uid') ?? num(h, 108, 8)),
      gid: Number(v('gid') ?? num(h, 116, 8)),
      size: bodySize,
      mtime: Number(v('mtime') ?? num(h, 136, 12)),
      devmajor: num(h, 329, 8),
      devminor: num(h, 337, 8),
    };
    // what the caller left unread
    for await (const piece of r.pieces(left)) left -= piece.length;
    await r.read((512 - (bodySize % 512)) % 512);
    pax = new Map();
    longName = longLink = undefined;
  }
  // the padding after the end blocks is part of the diffID
  await r.drain();
}
