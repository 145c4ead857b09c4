import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { applyLayer } from './apply';
import { LayerDigestError, LayerStoreError } from './errors';

/**
 * ChainID as the OCI image spec defines it: ChainID(L0)=DiffID(L0),
 * ChainID(Ln)=sha256(ChainID(Ln-1) + " " + DiffID(Ln)).
 */
export function chainID(diffIDs: string[]): string {
  if (diffIDs.length === 0) throw new Error('chainID of no layers');
  return diffIDs.reduce((chain, d) => `sha256:${createHash('sha256').update(`${chain} ${d}`).digest('hex')}`);
}

// A mount(2) option string must fit in one page (Docker overlay2's pageSize check).
export const MOUNT_DATA_LIMIT = 4096;

/** overlay2's short link name (26 characters) for a layer, derived from its diffID so it needs no lookup. */
export function shortLink(diffID: string): string {
  const b32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const d = createHash('sha256').update(`link ${diffID}`).digest();
  let out = '';
  for (let i = 0; out.length < 26; i++) out += b32[d[i] & 31];
  return out;
}

function hexOf(diffID: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(diffID);
  if (!m) throw new LayerDigestError(`invalid diffID ${JSON.stringify(diffID)}`);
  return m[1];
}

/**
 * Unpacked layers by diffID under root: `layers/<hex>/diff` (the layer as overlayfs reads a lower layer) and
 * `l/<short>` → `../layers/<hex>/diff`. Each layer is unpacked once, into `layers/.tmp-<pid>-<rand>` and
 * renamed into place, so a crash leaves only a temp directory that the next store on the root removes.
 */
export class LayerStore {
  constructor(readonly root: string) {
    fs.mkdirSync(path.join(root, 'layers'), { recursive: true });
    fs.mkdirSync(path.join(root, 'l'), { recursive: true });
    this.removeStaleTemps();
  }

  /** The layer's content directory. */
  diffDir(diffID: string): string {
    return path.join(this.root, 'layers', hexOf(diffID), 'diff');
  }

  has(diffID: string): boolean {
    return fs.existsSync(this.diffDir(diffID));
  }

  /**
   * Unpacks the layer unless the store has it; `open` gives the blob (compressed or not). Throws
   * LayerDigestError, keeping nothing, when the uncompressed tar is not `diffID`.
   */
  async ensure(diffID: string, open: () => Readable): Promise<{ dir: string; unpacked: boolean }> {
    return this.ensureFrom(diffID, async (dir) => {
      const got = await applyLayer(open(), dir, 'overlay');
      if (got.diffID !== diffID)
        throw new LayerDigestError(`wrong diff id calculated on extraction ${JSON.stringify(got.diffID)}`);
    });
  }

  /**
   * Makes the layer's directory with `fill` unless the store has it (a layer unpacked from its blob, or a copy
   * of one, e.g. with owners shifted for a user namespace): filled in a temp directory, renamed into place.
   */
  async ensureFrom(diffID: string, fill: (dir: string) => Promise<void>): Promise<{ dir: string; unpacked: boolean }> {
    const final = path.join(this.root, 'layers', hexOf(diffID));
    if (this.has(diffID)) return { dir: this.diffDir(diffID), unpacked: false };
    const tmp = path.join(this.root, 'layers', `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    fs.mkdirSync(path.join(tmp, 'diff'), { recursive: true });
    try {
      await fill(path.join(tmp, 'diff'));
      const link = shortLink(diffID);
      fs.writeFileSync(path.join(tmp, 'link'), link);
      this.link(diffID);
      try {
        fs.renameSync(tmp, final);
      } catch (e) {
        // Another unpack of the same layer won: keep its copy
        if (!['ENOTEMPTY', 'EEXIST'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
        fs.rmSync(tmp, { recursive: true, force: true });
        return { dir: this.diffDir(diffID), unpacked: false };
      }
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    return { dir: this.diffDir(diffID), unpacked: true };
  }

  /** The diffIDs the store holds. */
  list(): string[] {
    return fs
      .readdirSync(path.join(this.root, 'layers'))
      .filter((n) => /^[0-9a-f]{64}$/.test(n))
      .map((n) => `sha256:${n}`);
  }

  /** Removes a layer and its short link (the caller knows no image and no mount uses it). */
  remove(diffID: string): void {
    fs.rmSync(path.join(this.root, 'l', shortLink(diffID)), { force: true });
    fs.rmSync(path.join(this.root, 'layers', hexOf(diffID)), { recursive: true, force: true });
  }

  /**
   * The overlayfs `lowerdir=` value for an image's layers (diffIDs bottom first, as in the image config), top
   * first, through the short links: relative to `cwd`, so mount(8) must run there (overlay2's way under the
   * page limit: 29 bytes a layer instead of the absolute path's).
   */
  lowerdir(diffIDs: string[]): { cwd: string; lowerdir: string } {
    for (const d of diffIDs) {
      if (!this.has(d)) throw new LayerStoreError(`layer ${d} is not in the store`);
      this.link(d);
    }
    // A diffID twice in one chain (identical empty layers) is one directory: overlayfs refuses a lower given
    // twice, and the topmost copy redoes everything the lower one did, so only it is kept.
    const lowerdir = [...new Set([...diffIDs].reverse())].map((d) => `l/${shortLink(d)}`).join(':');
    if (`lowerdir=${lowerdir}`.length >= MOUNT_DATA_LIMIT) {
      throw new LayerStoreError(`too many layers (${diffIDs.length}) for one overlay mount`);
    }
    return { cwd: this.root, lowerdir };
  }

  /** Makes `l/<short>` point at the layer (idempotent: a crash may leave it missing or dangling). */
  private link(diffID: string): void {
    const at = path.join(this.root, 'l', shortLink(diffID));
    const to = path.join('..', 'layers', hexOf(diffID), 'diff');
    try {
      if (fs.readlinkSync(at) === to) return;
      fs.rmSync(at, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    try {
      fs.symlinkSync(to, at);
    } catch (e) {
      // a concurrent ensure of the same layer made it
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }

  /** Temp directories of unpacks whose process is gone (a crash, a kill). */
  private removeStaleTemps(): void {
    for (const name of fs.readdirSync(path.join(this.root, 'layers'))) {
      const m = /^\.tmp-(\d+)-/.exec(name);
      if (!m) continue;
      if (pidAlive(Number(m[1]))) continue;
      fs.rmSync(path.join(this.root, 'layers', name), { recursive: true, force: true });
    }
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
