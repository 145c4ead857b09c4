import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, promises as fs, type BigIntStats } from 'node:fs';
import path from 'node:path';

/** One path of the upper dir as the layer holds it: as it is, a whiteout, or a directory marked opaque. */
export interface LayerEntry {
  /** relative to the upper dir, no leading slash */
  rel: string;
  st: BigIntStats;
  whiteout?: boolean;
  opaque?: boolean;
}

const USTAR_MAX_SIZE = 0o77777777777;

function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body);
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return Buffer.from(`${len}${body}`);
}

interface Header {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

function block(h: Header): Buffer {
  const b = Buffer.alloc(512);
  b.write(h.name.slice(0, 100), 0, 100, 'utf8');
  const octal = (v: number, at: number, len: number) => b.write(`${v.toString(8).padStart(len - 1, '0')}\0`, at, len);
  octal(h.mode & 0o7777, 100, 8);
  octal(Math.min(h.uid, 0o7777777), 108, 8);
  octal(Math.min(h.gid, 0o7777777), 116, 8);
  octal(h.size > USTAR_MAX_SIZE ? 0 : h.size, 124, 12);
  octal(Math.max(0, Math.floor(h.mtime)), 136, 12);
  b.write('        ', 148, 8);
  b.write(h.type, 156, 1);
  if (h.linkname) b.write(h.linkname.slice(0, 100), 157, 100, 'utf8');
  b.write('ustar\0' + '00', 257, 8, 'binary');
  octal(h.devmajor ?? 0, 329, 8);
  octal(h.devminor ?? 0, 337, 8);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return b;
}

/**
 * The upper dir as an OCI layer tar in `file` (Docker's overlay2 Diff): whiteouts as empty `.wh.<name>` files, an
 * opaque directory followed by its `.wh..wh..opq`, hard links within the layer as links, numeric owners. Returns
 * the tar's digest (the diffID) and its size.
 */
export async function writeLayerTar(
  upper: string,
  entries: readonly LayerEntry[],
  file: string,
): Promise<{ diffID: string; size: number }> {
  const out = createWriteStream(file, { mode: 0o600 });
  const hash = createHash('sha256');
  let size = 0;
  const write = async (buf: Buffer) => {
    hash.update(buf);
    size += buf.length;
    if (!out.write(buf)) await once(out, 'drain');
  };
  const pad = (n: number) => ((512 - (n % 512)) % 512 ? write(Buffer.alloc((512 - (n % 512)) % 512)) : undefined);
  const header = async (h: Header) => {
    const pax: Buffer[] = [];
    if (Buffer.byteLength(h.name) > 100) pax.push(paxRecord('path', h.name));
    if (h.linkname && Buffer.byteLength(h.linkname) > 100) pax.push(paxRecord('linkpath', h.linkname));
    if (h.size > USTAR_MAX_SIZE) pax.push(paxRecord('size', String(h.size)));
    if (h.uid > 0o7777777) pax.push(paxRecord('uid', String(h.uid)));
    if (h.gid > 0o7777777) pax.push(paxRecord('gid', String(h.gid)));
    if (pax.length) {
      const rec = Buffer.concat(pax);
      await write(
        block({
          ...h,
          name: `PaxHeaders/${path.posix.basename(h.name).slice(-80)}`,
          type: 'x',
          size: rec.length,
          linkname: '',
        }),
      );
      await write(rec);
      await pad(rec.length);
    }
    await write(block(h));
  };
  const links = new Map<string, string>();
  try {
    for (const e of entries) {
      const { st } = e;
      const base = {
        uid: Number(st.uid),
        gid: Number(st.gid),
        mode: Number(st.mode),
        mtime: Number(st.mtimeMs) / 1000,
        size: 0,
      };
      if (e.whiteout) {
        const name = path.posix.join(path.posix.dirname(e.rel), `.wh.${path.posix.basename(e.rel)}`);
        await header({ ...base, name, type: '0', mode: 0o600, uid: 0, gid: 0 });
        continue;
      }
      if (st.isDirectory()) {
        await header({ ...base, name: `${e.rel}/`, type: '5' });
        if (e.opaque) await header({ ...base, name: `${e.rel}/.wh..wh..opq`, type: '0', mode: 0o600, uid: 0, gid: 0 });
      } else if (st.isSymbolicLink()) {
        await header({ ...base, name: e.rel, type: '2', linkname: await fs.readlink(path.join(upper, e.rel)) });
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1n ? links.get(key) : undefined;
        if (first !== undefined) {
          await header({ ...base, name: e.rel, type: '1', linkname: first });
          continue;
        }
        if (st.nlink > 1n) links.set(key, e.rel);
        const n = Number(st.size);
        await header({ ...base, name: e.rel, type: '0', size: n });
        let got = 0;
        const body = n > 0 ? createReadStream(path.join(upper, e.rel), { end: n - 1 }) : [];
        for await (const chunk of body) {
          got += (chunk as Buffer).length;
          await write(chunk as Buffer);
        }
        if (got < n) await write(Buffer.alloc(n - got));
        await pad(n);
      } else {
        const rdev = Number(st.rdev);
        const type = st.isCharacterDevice() ? '3' : st.isBlockDevice() ? '4' : st.isFIFO() ? '6' : undefined;
        // sockets have no tar form (Docker's archive skips them too)
        if (type === undefined) continue;
        await header({
          ...base,
          name: e.rel,
          type,
          devmajor: (rdev >> 8) & 0xfff,
          devminor: (rdev & 0xff) | ((rdev >> 12) & 0xfff00),
        });
      }
    }
    await write(Buffer.alloc(1024));
    out.end();
    await once(out, 'close');
  } catch (err) {
    out.destroy();
    throw err;
  }
  return { diffID: `sha256:${hash.digest('hex')}`, size };
}
