import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { uncompressedLayer } from './decompress';
import { LayerBreakoutError } from './errors';
import { ensureParents, entryComponents, lstatOrNull } from './paths';
import { runSpecialOps, type SpecialOp } from './special';
import { readTar, type TarEntry } from './tar-reader';

/**
 * 'overlay': dest is this layer's own directory, as overlayfs reads a lower layer (whiteouts become 0/0
 * character devices, opaque directories get trusted.overlay.opaque=y). 'merged': dest already holds the
 * layers below and whiteouts delete from it.
 */
export type ApplyMode = 'overlay' | 'merged';

export interface ApplyResult {
  /** sha256 of the uncompressed tar, `sha256:<hex>`. */
  diffID: string;
}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/** Applies one layer blob (tar, gzip or zstd where Node has it) onto dest. */
export async function applyLayer(blob: Readable, dest: string, mode: ApplyMode): Promise<ApplyResult> {
  try {
    return await applyTar(blob, path.resolve(dest), mode);
  } catch (e) {
    // a refused layer is not read to its end: close the blob (a file's descriptor) here
    blob.destroy();
    throw e;
  }
}

/** What dest holds is partial when this throws: the caller (the store: its temp dir) discards it. */
async function applyTar(blob: Readable, dest: string, mode: ApplyMode): Promise<ApplyResult> {
  const asRoot = process.getuid?.() === 0;
  const { chunks, hash } = await uncompressedLayer(blob);
  const ops: SpecialOp[] = [];
  const dirTimes: [string, number][] = [];
  const touched = new Set<string>(); // merged mode: what this layer wrote, kept by an opaque directory
  const opaque: string[] = [];
  for await (const e of readTar(chunks)) {
    const parts = entryComponents(e.name, dest);
    for (const made of ensureParents(dest, parts, e.name)) touched.add(made);
    const rel = parts.join('/');
    const target = path.join(dest, rel);
    const base = parts[parts.length - 1] ?? '';
    if (base === OPAQUE) {
      const dir = parts.slice(0, -1).join('/');
      if (mode === 'merged') opaque.push(dir);
      else
        ops.push({ op: 'xattr', path: path.join(dest, dir), name: 'trusted.overlay.opaque', value: Buffer.from('y') });
      continue;
    }
    if (base.startsWith(WHITEOUT)) {
      const name = base.slice(WHITEOUT.length);
      // `.wh..` would hide the parent's parent
      if (name === '' || name === '.' || name === '..') {
        throw new LayerBreakoutError(`${JSON.stringify(e.name)} is outside of ${JSON.stringify(dest)}`);
      }
      const hidden = path.join(path.dirname(target), name);
      fs.rmSync(hidden, { recursive: true, force: true });
      if (mode === 'overlay') {
        const m = { uid: 0, gid: 0, mtime: 0, chown: asRoot };
        ops.push({ op: 'mknod', path: hidden, kind: 'char', major: 0, minor: 0, mode: 0, ...m });
      }
      continue;
    }
    touched.add(rel);
    if (rel === '') {
      setMeta(target, e, asRoot, false);
      dirTimes.push([target, e.mtime]);
      continue;
    }
    // Replace what is there unless both are directories (Docker's applyLayer does the same)
    const old = lstatOrNull(target);
    if (old && !(old.isDirectory() && e.type === 'dir')) fs.rmSync(target, { recursive: true, force: true });
    await writeEntry(e, target, dest, asRoot, ops, dirTimes);
    for (const [name, value] of e.xattrs) ops.push({ op: 'xattr', path: target, name, value });
  }
  runSpecialOps(dest, ops);
  for (const dir of opaque) clearUntouched(dest, dir, touched);
  // Last: writing children moved the directories' mtimes
  for (const [dir, mtime] of dirTimes) fs.lutimesSync(dir, mtime, mtime);
  return { diffID: `sha256:${hash.digest('hex')}` };
}

async function writeEntry(
  e: TarEntry,
  target: string,
  dest: string,
  asRoot: boolean,
  ops: SpecialOp[],
  dirTimes: [string, number][],
): Promise<void> {
  switch (e.type) {
    case 'dir':
      if (!lstatOrNull(target)) fs.mkdirSync(target, 0o700);
      setMeta(target, e, asRoot, false);
      dirTimes.push([target, e.mtime]);
      return;
    case 'file': {
      const fd = fs.openSync(
        target,
        fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW,
        0o600,
      );
      try {
        for await (const piece of e.body) fs.writeSync(fd, piece);
        if (asRoot) fs.fchownSync(fd, e.uid, e.gid);
        fs.fchmodSync(fd, e.mode & 0o7777); // after chown, which clears setuid
        fs.futimesSync(fd, e.mtime, e.mtime);
      } finally {
        fs.closeSync(fd);
      }
      return;
    }
    case 'symlink':
      fs.symlinkSync(e.linkname, target);
      setMeta(target, e, asRoot, true);
      return;
    case 'link': {
      const parts = entryComponents(e.linkname, dest);
      const from = path.join(dest, ...parts);
      ensureParents(dest, parts, e.linkname, false);
      if (!lstatOrNull(from)) {
        // the target may be a node still queued
        runSpecialOps(dest, ops.splice(0));
      }
      if (!lstatOrNull(from))
        throw new LayerBreakoutError(`invalid hardlink ${JSON.stringify(target)} -> ${JSON.stringify(e.linkname)}`);
      fs.linkSync(from, target);
      return;
    }
    default:
      // Device nodes need root (Docker's rootless mode skips them too)
      if (e.type !== 'fifo' && !asRoot) return;
      ops.push({
        op: 'mknod',
        path: target,
        kind: e.type,
        major: e.devmajor,
        minor: e.devminor,
        mode: e.mode & 0o7777,
        uid: e.uid,
        gid: e.gid,
        mtime: e.mtime,
        chown: asRoot,
      });
  }
}

function setMeta(p: string, e: TarEntry, asRoot: boolean, link: boolean): void {
  if (asRoot) fs.lchownSync(p, e.uid, e.gid);
  if (!link) fs.chmodSync(p, e.mode & 0o7777);
  fs.lutimesSync(p, e.mtime, e.mtime);
}

/** Merged mode's opaque directory: removes everything below it that this layer did not write. */
function clearUntouched(dest: string, dir: string, touched: Set<string>): void {
  const abs = path.join(dest, dir);
  const st = lstatOrNull(abs);
  if (!st?.isDirectory()) return;
  for (const name of fs.readdirSync(abs)) {
    const rel = dir ? `${dir}/${name}` : name;
    if (!touched.has(rel)) fs.rmSync(path.join(dest, rel), { recursive: true, force: true });
    else if (fs.lstatSync(path.join(dest, rel)).isDirectory()) clearUntouched(dest, rel, touched);
  }
}
