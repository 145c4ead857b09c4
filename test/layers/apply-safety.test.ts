import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyLayer, type ApplyMode } from '../../layers/apply';
import { LayerBreakoutError, LayerCompressionError, LayerFormatError } from '../../layers/errors';
import { makeTar, sha256, type FixtureEntry } from './fixtures';

let work: string;
let dest: string;
let outside: string;

beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-safety-'));
  dest = path.join(work, 'dest');
  outside = path.join(work, 'outside');
  fs.mkdirSync(dest);
  fs.mkdirSync(outside);
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

const apply = (entries: FixtureEntry[], mode: ApplyMode = 'overlay') =>
  applyLayer(Readable.from([makeTar(entries)]), dest, mode);

describe('path traversal is refused with a typed error, nothing written outside', () => {
  it.each([
    ['../x', [{ name: '../x', body: 'evil' }]],
    ['a/../../x', [{ name: 'a/../../x', body: 'evil' }]],
    [
      'a symlink on the path',
      [
        { name: 'a', type: '2', linkname: '../outside' },
        { name: 'a/x', body: 'evil' },
      ],
    ],
    [
      'a symlink to / on the path',
      [
        { name: 'a', type: '2', linkname: '/' },
        { name: 'a/etc/x', body: 'evil' },
      ],
    ],
    ['a PAX path with ..', [{ name: 'ok', body: 'evil', pax: { path: '../x' } }]],
    ['a whiteout of ..', [{ name: 'a/', type: '5' }, { name: 'a/.wh..' }]],
    ['a hardlink out', [{ name: 'h', type: '1', linkname: '../outside/f' }]],
    ['a whiteout through a symlink', [{ name: 'a', type: '2', linkname: '../outside' }, { name: 'a/.wh.f' }]],
    // the fifo is queued; the symlink that replaces its parent must not redirect it
    [
      'a parent replaced by a symlink after a queued node',
      [
        { name: 'd/', type: '5' },
        { name: 'd/p', type: '6' },
        { name: 'd', type: '2', linkname: '../outside' },
      ],
    ],
  ] as [string, FixtureEntry[]][])('%s', async (_what, entries) => {
    fs.writeFileSync(path.join(outside, 'f'), 'keep');
    await expect(apply(entries)).rejects.toBeInstanceOf(LayerBreakoutError);
    expect(fs.readdirSync(outside)).toEqual(['f']);
    expect(fs.readFileSync(path.join(outside, 'f'), 'utf8')).toBe('keep');
    expect(fs.readdirSync(work).sort()).toEqual(['dest', 'outside']);
    for (const p of ['/x', '/etc/x']) expect(fs.existsSync(p)).toBe(false);
  });

  it('the error carries Docker’s message', async () => {
    await expect(apply([{ name: '../x', body: 'e' }])).rejects.toThrow(`"../x" is outside of ${JSON.stringify(dest)}`);
  });

  it("names are cleaned as Docker's UnpackLayer cleans them: absolute under dest, `..` within the name", async () => {
    await apply([
      { name: '/', type: '5' },
      { name: '/etc/', type: '5' },
      { name: '/etc/x', body: 'abs' },
      { name: 'a/', type: '5' },
      { name: 'a/../b', body: 'back' },
      { name: '/../c', body: 'root' },
    ]);
    expect(fs.readFileSync(path.join(dest, 'etc', 'x'), 'utf8')).toBe('abs');
    expect(fs.readFileSync(path.join(dest, 'b'), 'utf8')).toBe('back');
    expect(fs.readFileSync(path.join(dest, 'c'), 'utf8')).toBe('root');
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  it('an absolute symlink is content, not a way out: it is written as is and never followed', async () => {
    await apply([
      { name: 'etc', type: '2', linkname: '/etc' },
      { name: 'ok', body: 'fine' },
    ]);
    expect(fs.readlinkSync(path.join(dest, 'etc'))).toBe('/etc');
    expect(fs.readFileSync(path.join(dest, 'ok'), 'utf8')).toBe('fine');
  });
});

describe('layer streams', () => {
  const long = 'a-name-longer-than-one-hundred-'.padEnd(150, 'z');
  const entries: FixtureEntry[] = [
    { name: 'd/', type: '5', mode: 0o755 },
    { name: 'd/f', body: 'hello', mode: 0o4711, uid: 7, gid: 8 },
    {
      name: 'd/x',
      body: 'x',
      pax: { 'SCHILY.xattr.trusted.a': 'b', path: `d/${long}` },
    },
  ];

  it('gzip and plain tar give one diffID (the plain tar’s sha256), modes with setuid and owners', async () => {
    const tar = makeTar(entries);
    const plain = await applyLayer(Readable.from([tar]), dest, 'overlay');
    const dest2 = path.join(work, 'gz');
    fs.mkdirSync(dest2);
    // one byte at a time: the magic must be found across chunks
    const gz = [...zlib.gzipSync(tar)].map((b) => Buffer.from([b]));
    const fromGz = await applyLayer(Readable.from(gz), dest2, 'overlay');
    expect(plain.diffID).toBe(sha256(tar));
    expect(fromGz.diffID).toBe(sha256(tar));
    for (const d of [dest, dest2]) {
      const st = fs.statSync(path.join(d, 'd/f'));
      expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o4711, 7, 8]);
      expect(fs.readdirSync(path.join(d, 'd')).sort()).toEqual([long, 'f']);
    }
  });

  it('zstd: decompressed where Node’s zlib has it, else "unsupported layer compression"', async () => {
    const hasZstd = 'createZstdDecompress' in zlib;
    const blob = Readable.from([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0])]);
    const run = applyLayer(blob, dest, 'overlay');
    if (hasZstd) await expect(run).rejects.not.toBeInstanceOf(LayerCompressionError);
    else await expect(run).rejects.toThrow(new LayerCompressionError('unsupported layer compression: zstd'));
  });

  it('a tar that stops at a header boundary without its end blocks is whole, as Docker reads it (umoci insert)', async () => {
    const tar = makeTar(entries);
    const unended = tar.subarray(0, tar.length - 1024);
    const r = await applyLayer(Readable.from([unended]), dest, 'overlay');
    expect(r.diffID).toBe(sha256(unended));
    expect(fs.readFileSync(path.join(dest, 'd/f'), 'utf8')).toBe('hello');
    // a PAX header with no entry after it is still cut short
    const dest2 = path.join(work, 'pax-only');
    fs.mkdirSync(dest2);
    const paxOnly = makeTar([entries[2]!]).subarray(0, 1024);
    await expect(applyLayer(Readable.from([paxOnly]), dest2, 'overlay')).rejects.toBeInstanceOf(LayerFormatError);
  });

  it('a corrupt or truncated tar is a LayerFormatError', async () => {
    const tar = makeTar(entries);
    const bad = Buffer.from(tar);
    bad[0] ^= 1;
    await expect(applyLayer(Readable.from([bad]), dest, 'overlay')).rejects.toBeInstanceOf(LayerFormatError);
    const dest2 = path.join(work, 'short');
    fs.mkdirSync(dest2);
    await expect(applyLayer(Readable.from([tar.subarray(0, 700)]), dest2, 'overlay')).rejects.toBeInstanceOf(
      LayerFormatError,
    );
  });
});
