import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyLayer } from '../../layers/apply';
import { LayerStore } from '../../layers/store';
import { describeTree, imageLayers, makeTar, run } from './fixtures';

// umoci builds a 4-layer OCI image (the 4th added raw with an opaque directory); its own unpack of the final
// image is the oracle for both of our ways to read the layers.
let work: string;
let layout: string;
let oracle: string;

function changeLayer(change: (rootfs: string) => void): void {
  const bundle = path.join(work, `bundle-${Math.random().toString(36).slice(2)}`);
  run('umoci', ['unpack', '--image', `${layout}:t`, bundle]);
  change(path.join(bundle, 'rootfs'));
  run('umoci', ['repack', '--image', `${layout}:t`, bundle]);
  fs.rmSync(bundle, { recursive: true, force: true });
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-umoci-'));
  layout = path.join(work, 'oci');
  run('umoci', ['init', '--layout', layout]);
  run('umoci', ['new', '--image', `${layout}:t`]);
  changeLayer((r) => {
    for (const d of ['etc', 'usr/bin', 'home/u', 'run', 'dev', 'keep', 'gone/sub'])
      fs.mkdirSync(path.join(r, d), { recursive: true });
    fs.writeFileSync(path.join(r, 'etc/hosts'), '127.0.0.1 localhost\n');
    fs.writeFileSync(path.join(r, 'usr/bin/tool'), '#!/bin/sh\necho tool\n');
    fs.chmodSync(path.join(r, 'usr/bin/tool'), 0o4755);
    fs.linkSync(path.join(r, 'usr/bin/tool'), path.join(r, 'usr/bin/tool2'));
    fs.writeFileSync(path.join(r, 'home/u/file'), 'mine');
    fs.chownSync(path.join(r, 'home/u/file'), 1000, 1001);
    fs.chownSync(path.join(r, 'home/u'), 1000, 1001);
    fs.symlinkSync('usr/bin', path.join(r, 'bin'));
    fs.symlinkSync('/etc/hosts', path.join(r, 'hosts-abs'));
    execFileSync('mkfifo', [path.join(r, 'run/fifo')]);
    execFileSync('mknod', ['-m', '0666', path.join(r, 'dev/null'), 'c', '1', '3']);
    for (const f of ['keep/a', 'keep/b', 'gone/sub/c', 'del.txt']) fs.writeFileSync(path.join(r, f), f);
    fs.chmodSync(path.join(r, 'keep'), 0o750);
    // a real tree too: this machine's /etc (1,466 entries, owners, modes, links)
    execFileSync('cp', ['-a', '/etc', path.join(r, 'real-etc')]);
  });
  changeLayer((r) => {
    fs.rmSync(path.join(r, 'del.txt'));
    fs.rmSync(path.join(r, 'gone'), { recursive: true });
    fs.writeFileSync(path.join(r, 'etc/hosts'), '127.0.0.1 localhost\n10.0.0.2 db\n');
    fs.chmodSync(path.join(r, 'etc/hosts'), 0o600);
    fs.chownSync(path.join(r, 'etc/hosts'), 5, 6);
    fs.rmSync(path.join(r, 'bin'));
    fs.symlinkSync('/usr/bin', path.join(r, 'bin'));
    fs.writeFileSync(path.join(r, 'keep/new'), 'new');
  });
  changeLayer((r) => {
    // a file becomes a directory and a directory's content is replaced
    fs.rmSync(path.join(r, 'home/u/file'));
    fs.mkdirSync(path.join(r, 'home/u/file'));
    fs.writeFileSync(path.join(r, 'home/u/file/inner'), 'inner');
    fs.rmSync(path.join(r, 'usr/bin/tool2'));
    fs.writeFileSync(path.join(r, 'usr/bin/tool2'), 'replaced');
  });
  // umoci never writes opaque markers; add a layer that has one (and a whiteout of a symlink, an xattr)
  const raw = path.join(work, 'raw.tar');
  fs.writeFileSync(
    raw,
    makeTar([
      { name: 'keep/', type: '5', mode: 0o711 },
      { name: 'keep/.wh..wh..opq' },
      { name: 'keep/fresh', body: 'fresh' },
      { name: '.wh.hosts-abs' },
      { name: 'etc/cap', body: 'x', pax: { 'SCHILY.xattr.trusted.test': 'v1' } },
    ]),
  );
  run('umoci', ['raw', 'add-layer', '--image', `${layout}:t`, raw]);
  oracle = path.join(work, 'oracle');
  run('umoci', ['unpack', '--image', `${layout}:t`, oracle]);
}, 60_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const getxattr = (p: string, name: string): string =>
  run('python3', [
    '-I',
    '-c',
    'import os,sys; print(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).decode())',
    p,
    name,
  ]).trim();

describe('layers applied in order give what umoci unpacks', () => {
  it('merged: whiteouts and opaque directories delete; every path, type, mode, owner, target and content match', async () => {
    const { blobs, diffIDs } = imageLayers(layout, 't');
    expect(blobs).toHaveLength(4);
    const merged = path.join(work, 'merged');
    fs.mkdirSync(merged);
    const got: string[] = [];
    for (const b of blobs) got.push((await applyLayer(fs.createReadStream(b), merged, 'merged')).diffID);
    expect(got).toEqual(diffIDs);
    const want = describeTree(path.join(oracle, 'rootfs'));
    expect(want).toContain('keep dir 711 0:0 ');
    expect(want.length).toBeGreaterThan(1000);
    expect(want.some((l) => l.startsWith('keep/a '))).toBe(false);
    expect(describeTree(merged)).toEqual(want);
    expect(getxattr(path.join(merged, 'etc/cap'), 'trusted.test')).toBe('v1');
  });

  it('uncompressed blobs (the gzip layers gunzipped) give the same diffIDs and tree', async () => {
    const { blobs, diffIDs } = imageLayers(layout, 't');
    const merged = path.join(work, 'merged-plain');
    fs.mkdirSync(merged);
    for (const [i, b] of blobs.entries()) {
      const plain = path.join(work, `plain-${i}.tar`);
      fs.writeFileSync(plain, zlib.gunzipSync(fs.readFileSync(b)));
      expect(fs.readFileSync(plain).subarray(0, 2)).not.toEqual(Buffer.from([0x1f, 0x8b]));
      expect((await applyLayer(fs.createReadStream(plain), merged, 'merged')).diffID).toBe(diffIDs[i]);
    }
    expect(describeTree(merged)).toEqual(describeTree(path.join(oracle, 'rootfs')));
  });

  it('overlay: per-layer directories (0/0 whiteouts, opaque xattr) mounted as lowerdirs show the same tree', async () => {
    const { blobs, diffIDs } = imageLayers(layout, 't');
    const store = new LayerStore(path.join(work, 'store'));
    for (const [i, b] of blobs.entries()) await store.ensure(diffIDs[i], () => fs.createReadStream(b));
    expect(fs.statSync(path.join(store.diffDir(diffIDs[0]), 'usr/bin/tool2')).nlink).toBe(2);
    const second = store.diffDir(diffIDs[1]);
    const wh = fs.lstatSync(path.join(second, 'del.txt'));
    expect([wh.isCharacterDevice(), wh.rdev]).toEqual([true, 0]);
    expect(getxattr(path.join(store.diffDir(diffIDs[3]), 'keep'), 'trusted.overlay.opaque')).toBe('y');
    const { cwd, lowerdir } = store.lowerdir(diffIDs);
    const mnt = path.join(work, 'mnt');
    fs.mkdirSync(mnt);
    run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lowerdir}`, mnt], cwd);
    try {
      expect(describeTree(mnt)).toEqual(describeTree(path.join(oracle, 'rootfs')));
    } finally {
      run('umount', [mnt]);
    }
  });
});
