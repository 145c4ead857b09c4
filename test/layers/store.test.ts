import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LayerDigestError, LayerStoreError } from '../../layers/errors';
import { chainID, LayerStore, MOUNT_DATA_LIMIT } from '../../layers/store';
import { makeTar, run, sha256 } from './fixtures';

let work: string;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-store-'));
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

const layer = (i: number): Buffer =>
  makeTar([
    { name: `f${i}`, body: `layer ${i}` },
    { name: 'common', body: `${i}` },
  ]);

describe('LayerStore', () => {
  it('chain IDs follow the OCI formula (sha256sum of "<chain> <diff>" as the oracle)', () => {
    const d = [0, 1, 2].map((i) => sha256(layer(i)));
    const c1 = `sha256:${run('sh', ['-c', `printf '%s' '${d[0]} ${d[1]}' | sha256sum`]).split(' ')[0]}`;
    const c2 = `sha256:${run('sh', ['-c', `printf '%s' '${c1} ${d[2]}' | sha256sum`]).split(' ')[0]}`;
    expect(chainID([d[0]])).toBe(d[0]);
    expect(chainID(d.slice(0, 2))).toBe(c1);
    expect(chainID(d)).toBe(c2);
  });

  it('unpacks a layer once, under its diffID, and a wrong diffID keeps nothing', async () => {
    const store = new LayerStore(work);
    const tar = layer(1);
    const blob = zlib.gzipSync(tar);
    const first = await store.ensure(sha256(tar), () => Readable.from([blob]));
    expect(first).toEqual({ dir: path.join(work, 'layers', sha256(tar).slice(7), 'diff'), unpacked: true });
    const again = await store.ensure(sha256(tar), () => {
      throw new Error('must not open the blob again');
    });
    expect(again.unpacked).toBe(false);
    expect(fs.readFileSync(path.join(first.dir, 'f1'), 'utf8')).toBe('layer 1');
    const wrong = `sha256:${'0'.repeat(64)}`;
    await expect(store.ensure(wrong, () => Readable.from([blob]))).rejects.toThrow(LayerDigestError);
    expect(fs.readdirSync(path.join(work, 'layers'))).toEqual([sha256(tar).slice(7)]);
    // a lost short link is made again when the lowerdir is asked for
    const link = fs.readdirSync(path.join(work, 'l'));
    expect(link).toHaveLength(1);
    fs.rmSync(path.join(work, 'l', link[0]));
    expect(store.lowerdir([sha256(tar)]).lowerdir).toBe(`l/${link[0]}`);
    expect(fs.readFileSync(path.join(work, 'l', link[0], 'f1'), 'utf8')).toBe('layer 1');
  });

  it('two unpacks of one layer at once: one is kept, the other’s temp removed', async () => {
    const store = new LayerStore(work);
    const tar = layer(2);
    const both = await Promise.all([0, 1].map(() => store.ensure(sha256(tar), () => Readable.from([tar]))));
    expect(both.map((r) => r.dir)).toEqual([store.diffDir(sha256(tar)), store.diffDir(sha256(tar))]);
    expect(fs.readdirSync(path.join(work, 'layers'))).toEqual([sha256(tar).slice(7)]);
    expect(fs.readFileSync(path.join(store.diffDir(sha256(tar)), 'f2'), 'utf8')).toBe('layer 2');
  });

  it('a temp directory a crashed unpack left is removed by the next store; a live one is kept', () => {
    const dead = path.join(work, 'layers', '.tmp-4194305-abc');
    const live = path.join(work, 'layers', `.tmp-${process.pid}-def`);
    for (const d of [dead, live]) fs.mkdirSync(path.join(d, 'diff'), { recursive: true });
    new LayerStore(work);
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
  });

  it('40 layers: the short-link lowerdir fits in a page where absolute paths do not, and mounts', async () => {
    // a root as long as a real one may be
    const root = path.join(work, 'var-lib-container-saga-image-store-'.padEnd(100, 'x'));
    const store = new LayerStore(root);
    const diffIDs: string[] = [];
    for (let i = 0; i < 40; i++) {
      const tar = layer(i);
      diffIDs.push(sha256(tar));
      await store.ensure(sha256(tar), () => Readable.from([tar]));
    }
    const absolute = [...diffIDs]
      .reverse()
      .map((d) => store.diffDir(d))
      .join(':');
    expect(`lowerdir=${absolute}`.length).toBeGreaterThan(MOUNT_DATA_LIMIT);
    const { cwd, lowerdir } = store.lowerdir(diffIDs);
    expect(`lowerdir=${lowerdir}`.length).toBe(9 + 40 * 29 - 1);
    expect(() => store.lowerdir([...diffIDs, sha256(layer(99))])).toThrow(LayerStoreError);
    const mnt = path.join(work, 'mnt');
    fs.mkdirSync(mnt);
    run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lowerdir}`, mnt], cwd);
    try {
      expect(fs.readFileSync(path.join(mnt, 'common'), 'utf8')).toBe('39');
      expect(fs.readdirSync(mnt).length).toBe(41);
      expect(fs.readFileSync(path.join(mnt, 'f0'), 'utf8')).toBe('layer 0');
    } finally {
      run('umount', [mnt]);
    }
  });

  it('more layers than one page of mount data holds (141 of 29 bytes) is a LayerStoreError; 140 fit', async () => {
    const store = new LayerStore(work);
    const diffIDs: string[] = [];
    for (let i = 0; i < 141; i++) {
      const tar = makeTar([{ name: `f${i}` }]);
      diffIDs.push(sha256(tar));
      await store.ensure(sha256(tar), () => Readable.from([tar]));
    }
    expect(store.lowerdir(diffIDs.slice(1)).lowerdir.split(':')).toHaveLength(140);
    expect(() => store.lowerdir(diffIDs)).toThrow(new LayerStoreError('too many layers (141) for one overlay mount'));
  });
});
