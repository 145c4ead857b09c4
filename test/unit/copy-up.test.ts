import { execFileSync } from 'node:child_process';
import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyImageContent } from '../../volumes/copy-up';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'copy-up-'));
afterAll(() => fs.rm(tmp, { recursive: true, force: true }));

/** Two layers as layers/apply.ts writes them for overlayfs: a whiteout is a 0/0 char device, opaque an xattr. */
async function image(): Promise<string[]> {
  const low = path.join(tmp, 'low');
  const up = path.join(tmp, 'up');
  await fs.mkdir(path.join(low, 'data/sub'), { recursive: true });
  await fs.writeFile(path.join(low, 'data/kept'), 'low');
  await fs.writeFile(path.join(low, 'data/gone'), 'deleted above');
  await fs.writeFile(path.join(low, 'data/sub/hidden'), 'under an opaque dir');
  await fs.mkdir(path.join(low, 'opt/real'), { recursive: true });
  await fs.writeFile(path.join(low, 'opt/real/f'), 'through a link');
  await fs.symlink('real', path.join(low, 'opt/link'));
  await fs.writeFile(path.join(low, 'file'), 'not a dir');
  await fs.mkdir(path.join(up, 'data/sub'), { recursive: true });
  await fs.writeFile(path.join(up, 'data/kept'), 'up');
  await fs.writeFile(path.join(up, 'data/sub/new'), 'new');
  await fs.symlink('kept', path.join(up, 'data/ln'));
  await fs.chown(path.join(up, 'data/sub/new'), 1234, 5678);
  await fs.chmod(path.join(up, 'data/sub/new'), 0o640);
  await fs.chown(path.join(up, 'data'), 999, 998);
  await fs.chmod(path.join(up, 'data'), 0o1775);
  execFileSync('python3', [
    '-c',
    `import os, stat, sys
os.mknod(sys.argv[1], stat.S_IFCHR | 0o600, 0)
os.setxattr(sys.argv[2], 'trusted.overlay.opaque', b'y')`,
    path.join(up, 'data/gone'),
    path.join(up, 'data/sub'),
  ]);
  return [up, low];
}

let built: Promise<string[]> | undefined;
const layersOnce = () => (built ??= image());
const read = (p: string) => fs.readFile(p, 'utf8');

describe("copyImageContent (Docker's copy-up from the image's layers)", () => {
  it('merges the layers at the path: whiteouts, opaque dirs, links, owners and modes', async () => {
    const layers = await layersOnce();
    const vol = path.join(tmp, 'vol1');
    await fs.mkdir(vol);
    await copyImageContent({ layers }, '/data', vol);
    expect((await fs.readdir(vol)).sort()).toEqual(['kept', 'ln', 'sub']);
    expect(await read(path.join(vol, 'kept'))).toBe('up');
    expect(await fs.readlink(path.join(vol, 'ln'))).toBe('kept');
    expect(await fs.readdir(path.join(vol, 'sub'))).toEqual(['new']);
    const st = await fs.stat(path.join(vol, 'sub/new'));
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([1234, 5678, 0o640]);
    const top = await fs.stat(vol);
    expect([top.uid, top.gid, top.mode & 0o7777]).toEqual([999, 998, 0o1775]);
  });

  it('shifts owners by the remapped root (CONTAINER_SAGA_USERNS_REMAP)', async () => {
    const layers = await layersOnce();
    const vol = path.join(tmp, 'vol-remap');
    await fs.mkdir(vol);
    await copyImageContent({ layers, shift: { uid: 100000, gid: 200000 } }, '/data', vol);
    const st = await fs.stat(path.join(vol, 'sub/new'));
    expect([st.uid, st.gid]).toEqual([101234, 205678]);
    const top = await fs.stat(vol);
    expect([top.uid, top.gid]).toEqual([100999, 200998]);
  });

  it('resolves a link on the way inside the image; nothing for a missing path or a volume with content; a file is refused', async () => {
    const layers = await layersOnce();
    const vol = path.join(tmp, 'vol2');
    await fs.mkdir(vol);
    await copyImageContent({ layers }, '/opt/link/', vol);
    expect(await read(path.join(vol, 'f'))).toBe('through a link');
    const empty = path.join(tmp, 'vol-nowhere');
    await fs.mkdir(empty);
    await copyImageContent({ layers }, '/nowhere/at/all', empty);
    expect(await fs.readdir(empty)).toEqual([]);
    // a file there: Docker's refusal, whether the volume would copy or not
    for (const dir of [empty, undefined])
      await expect(copyImageContent({ layers }, '/file', dir)).rejects.toThrow(
        'cannot mount volume over existing file, file exists /file',
      );
    await copyImageContent({ layers }, '/data', undefined); // a directory: nothing to check or copy
    const used = path.join(tmp, 'vol3');
    await fs.mkdir(used);
    await fs.writeFile(path.join(used, 'mine'), '');
    await copyImageContent({ layers }, '/data', used);
    expect(await fs.readdir(used)).toEqual(['mine']);
  });
});
