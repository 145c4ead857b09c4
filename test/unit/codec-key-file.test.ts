/** codec/key-file.ts: the key file's format, its permissions, and creating it once. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureKeyFile, KeyFileError, parseKeyFile, readKeyFile } from '../../codec/key-file';

const KEY = Buffer.alloc(32, 7).toString('base64');

describe('parseKeyFile', () => {
  it('reads a list of {id, key}, oldest first', () => {
    const keys = parseKeyFile(
      JSON.stringify([
        { id: 'a', key: KEY },
        { id: 'b-2.x_y', key: Buffer.alloc(32, 1).toString('base64') },
      ]),
      'f',
    );
    expect(keys.map((k) => k.id)).toEqual(['a', 'b-2.x_y']);
    expect(keys[0]!.key).toEqual(Buffer.alloc(32, 7));
  });

  it.each<[string, string, string]>([
    ['not JSON', '{', 'key file f is not JSON'],
    ['an object', JSON.stringify({ keys: [] }), 'key file f must be a non-empty JSON list'],
    ['an empty list', '[]', 'key file f must be a non-empty JSON list'],
    ['an entry that is not an object', '["x"]', 'key file f, entry 0: expected {"id": "...", "key": "..."}'],
    ['a missing id', JSON.stringify([{ key: KEY }]), 'key file f, entry 0: "id" must be 1-64 characters'],
    [
      'an id with a space',
      JSON.stringify([{ id: 'a b', key: KEY }]),
      'key file f, entry 0: "id" must be 1-64 characters',
    ],
    [
      'a duplicate id',
      JSON.stringify([
        { id: 'a', key: KEY },
        { id: 'a', key: KEY },
      ]),
      'key file f, entry 1: duplicate id "a"',
    ],
    [
      'a key that is not base64',
      JSON.stringify([{ id: 'a', key: 'not base64!' }]),
      'key file f, entry 0 ("a"): "key" must be base64',
    ],
    [
      'a 16-byte key',
      JSON.stringify([{ id: 'a', key: Buffer.alloc(16).toString('base64') }]),
      'key file f, entry 0 ("a"): "key" must be 32 bytes (AES-256), got 16',
    ],
  ])('refuses %s, naming the file and the entry', (_what, text, message) => {
    expect(() => parseKeyFile(text, 'f')).toThrow(KeyFileError);
    expect(() => parseKeyFile(text, 'f')).toThrow(message);
  });
});

describe('the key file on disk', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-keyfile-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it.each([0o644, 0o640, 0o604, 0o660])(
    'refuses a key file of mode %o (others could read or change it)',
    async (mode) => {
      const file = path.join(dir, `open-${mode.toString(8)}.json`);
      await fs.writeFile(file, JSON.stringify([{ id: 'a', key: KEY }]));
      await fs.chmod(file, mode);
      expect(() => readKeyFile(file)).toThrow(
        `key file ${file} is accessible by other users (mode ${mode.toString(8)}): run \`chmod 600 ${file}\``,
      );
      await fs.chmod(file, 0o600);
      expect(readKeyFile(file).map((k) => k.id)).toEqual(['a']);
    },
  );

  it('creates a missing key file once, mode 0600 in a 0700 directory, and never replaces it', async () => {
    const file = path.join(dir, 'state', 'codec-keys.json');
    expect(ensureKeyFile(file)).toBe(true);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect((await fs.stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    const [key] = readKeyFile(file);
    expect(key!.id).toMatch(/^key-\d{8}-[0-9a-f]{6}$/);
    expect(ensureKeyFile(file)).toBe(false);
    expect(readKeyFile(file)[0]!.key).toEqual(key!.key);
    // no temp files left beside it
    expect(await fs.readdir(path.dirname(file))).toEqual(['codec-keys.json']);
  });
});
