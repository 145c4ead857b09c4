import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** A hand-made tar entry for the tests (ustar, with an optional PAX header before it). */
export interface FixtureEntry {
  name: string;
  type?: '0' | '1' | '2' | '3' | '5' | '6';
  body?: string;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  pax?: Record<string, string>;
}

function header(name: string, type: string, size: number, e: Partial<FixtureEntry>): Buffer {
  const h = Buffer.alloc(512);
  const put = (off: number, len: number, s: string): void => void h.write(s, off, len, 'utf8');
  const oct = (off: number, len: number, n: number): void => put(off, len, n.toString(8).padStart(len - 1, '0'));
  put(0, 100, name);
  oct(100, 8, e.mode ?? 0o644);
  oct(108, 8, e.uid ?? 0);
  oct(116, 8, e.gid ?? 0);
  oct(124, 12, size);
  oct(136, 12, 1700000000);
  put(156, 1, type);
  put(157, 100, e.linkname ?? '');
  put(257, 6, 'ustar');
  put(263, 2, '00');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  put(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

const pad = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);

/** An uncompressed tar of the entries. */
export function makeTar(entries: FixtureEntry[]): Buffer {
  const out: Buffer[] = [];
  for (const e of entries) {
    if (e.pax) {
      const recs = Object.entries(e.pax).map(([k, v]) => {
        const body = ` ${k}=${v}\n`;
        let len = body.length + 1;
        while (`${len}${body}`.length !== len) len++;
        return `${len}${body}`;
      });
      const data = Buffer.from(recs.join(''));
      out.push(header('PaxHeader', 'x', data.length, {}), pad(data));
    }
    const body = Buffer.from(e.body ?? '');
    out.push(header(e.name, e.type ?? '0', body.length, e), pad(body));
  }
  out.push(Buffer.alloc(1024));
  return Buffer.concat(out);
}

export const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export const run = (cmd: string, args: string[], cwd?: string): string =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** What a tree holds, one line a path: type, mode, owner, and content digest / link target / device. */
export function describeTree(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const p = path.join(root, r);
      const st = fs.lstatSync(p);
      const kind = st.isDirectory()
        ? 'dir'
        : st.isSymbolicLink()
          ? 'symlink'
          : st.isFile()
            ? 'file'
            : st.isFIFO()
              ? 'fifo'
              : st.isCharacterDevice()
                ? 'char'
                : st.isBlockDevice()
                  ? 'block'
                  : 'other';
      let what = '';
      if (kind === 'file')
        what = `${sha256(fs.readFileSync(p))} nlink=${st.nlink} mtime=${Math.floor(st.mtimeMs / 1000)}`;
      if (kind === 'symlink') what = `-> ${fs.readlinkSync(p)}`;
      if (kind === 'char' || kind === 'block') what = `rdev=${st.rdev}`;
      out.push(`${r} ${kind} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${what}`);
      if (kind === 'dir') walk(r);
    }
  };
  walk('');
  return out;
}

/** The layer blobs of an OCI layout's image tag, bottom first, with the config's diffIDs. */
export function imageLayers(layout: string, tag: string): { blobs: string[]; diffIDs: string[] } {
  const blob = (d: string): string => path.join(layout, 'blobs', 'sha256', d.slice('sha256:'.length));
  const index = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8')) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const m = index.manifests.find((x) => x.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (!m) throw new Error(`no tag ${tag}`);
  const manifest = JSON.parse(fs.readFileSync(blob(m.digest), 'utf8')) as {
    config: { digest: string };
    layers: { digest: string }[];
  };
  const config = JSON.parse(fs.readFileSync(blob(manifest.config.digest), 'utf8')) as {
    rootfs: { diff_ids: string[] };
  };
  return { blobs: manifest.layers.map((l) => blob(l.digest)), diffIDs: config.rootfs.diff_ids };
}
