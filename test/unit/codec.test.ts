/** codec/aes-gcm-codec.ts (client mode) and codec/load.ts: round trip, rotation, pass-through, each failure. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AesGcmCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, PayloadDecryptError } from '../../codec/aes-gcm-codec';
import { addKey, formatKeyFile, newKey, readKeyFile } from '../../codec/key-file';
import { KeyFileError } from '../../codec/key-file';
import { codecDataConverter, describeCodec, loadCodec } from '../../codec/load';

const SECRET = 'DB_PASSWORD=hunter2-codec-unit';
const toPayload = (v: unknown) => defaultPayloadConverter.toPayload(v);
const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString('utf8');

describe('AesGcmCodec', () => {
  const oldKey = newKey();
  const key = newKey();

  it('encrypts the whole payload with the newest key and decodes it back exactly', async () => {
    const codec = new AesGcmCodec([oldKey, key], 'test keys');
    const original = toPayload({ env: [SECRET], n: 1 });
    const [enc] = await codec.encode([original]);
    expect(text(enc!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(enc!.metadata![KEY_ID_METADATA])).toBe(key.id);
    // nothing of the original (its data or its json/plain encoding) is readable
    expect(Buffer.from(enc!.data!).includes(SECRET)).toBe(false);
    expect(Buffer.from(enc!.data!).includes('json/plain')).toBe(false);
    expect(Object.keys(enc!.metadata!)).toEqual(['encoding', KEY_ID_METADATA]);
    const [dec] = await codec.decode([enc!]);
    expect(text(dec!.metadata!.encoding)).toBe('json/plain');
    expect(defaultPayloadConverter.fromPayload(dec!)).toEqual({ env: [SECRET], n: 1 });
  });

  it('uses a fresh IV for every payload: the same value twice gives two ciphertexts', async () => {
    const codec = new AesGcmCodec([key], 'test keys');
    const [a, b] = await codec.encode([toPayload('same'), toPayload('same')]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
    expect(Buffer.from(a!.data!).subarray(0, 12).equals(Buffer.from(b!.data!).subarray(0, 12))).toBe(false);
  });

  it('rotation: a payload sealed with the old key still decodes once a newer key encrypts', async () => {
    const before = new AesGcmCodec([oldKey], 'old keys');
    const [sealedOld] = await before.encode([toPayload(SECRET)]);
    const after = new AesGcmCodec([oldKey, key], 'rotated keys');
    const [sealedNew] = await after.encode([toPayload(SECRET)]);
    expect(text(sealedNew!.metadata![KEY_ID_METADATA])).toBe(key.id);
    const decoded = await after.decode([sealedOld!, sealedNew!]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([SECRET, SECRET]);
  });

  it('passes plaintext payloads through unchanged (histories and clients from before encryption)', async () => {
    const codec = new AesGcmCodec([key], 'test keys');
    const plain: Payload[] = [toPayload({ a: 1 }), toPayload(undefined), toPayload(new Uint8Array([1, 2]))];
    expect(await codec.decode(plain)).toEqual(plain);
  });

  it('never sends plaintext: with no active key, encode throws', async () => {
    await expect(new AesGcmCodec([], 'no key file').encode([toPayload(SECRET)])).rejects.toThrow(
      'no active key in no key file: nothing may be sent unencrypted',
    );
  });

  it('names the unknown key ID and CONTAINER_SAGA_CODEC_KEYS', async () => {
    const [sealed] = await new AesGcmCodec([oldKey], 'k').encode([toPayload(SECRET)]);
    const err = await new AesGcmCodec([key], 'the key file /x/keys.json').decode([sealed!]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadDecryptError);
    expect((err as Error).message).toBe(
      `payload encrypted with key "${oldKey.id}", which is not in the key file /x/keys.json: add that key to the key file CONTAINER_SAGA_CODEC_KEYS names`,
    );
  });

  it.each<[string, (data: Buffer) => void]>([
    ['a ciphertext byte', (d) => void (d[20] = d[20]! ^ 1)],
    ['the IV', (d) => void (d[0] = d[0]! ^ 1)],
    ['the GCM tag', (d) => void (d[d.length - 1] = d[d.length - 1]! ^ 1)],
  ])('refuses a payload whose %s was altered (GCM authentication)', async (_what, alter) => {
    const codec = new AesGcmCodec([key], 'test keys');
    const [sealed] = await codec.encode([toPayload({ env: [SECRET] })]);
    const data = Buffer.from(sealed!.data!);
    alter(data);
    await expect(codec.decode([{ ...sealed!, data }])).rejects.toThrow(
      `an encrypted payload (key "${key.id}") failed authentication`,
    );
  });

  it('refuses a payload sealed by another key that claims a known ID', async () => {
    const impostor = { id: key.id, key: newKey().key };
    const [sealed] = await new AesGcmCodec([impostor], 'k').encode([toPayload(SECRET)]);
    await expect(new AesGcmCodec([key], 'k').decode([sealed!])).rejects.toThrow(/failed authentication/);
  });

  it('refuses an encrypted payload without a key ID, or too short to hold IV and tag', async () => {
    const codec = new AesGcmCodec([key], 'k');
    const enc = new TextEncoder().encode(ENCRYPTED_ENCODING);
    await expect(codec.decode([{ metadata: { encoding: enc }, data: new Uint8Array(40) }])).rejects.toThrow(
      `no ${KEY_ID_METADATA} metadata`,
    );
    await expect(
      codec.decode([
        { metadata: { encoding: enc, [KEY_ID_METADATA]: new TextEncoder().encode(key.id) }, data: new Uint8Array(10) },
      ]),
    ).rejects.toThrow(/too short/);
  });
});

describe('loadCodec (CONTAINER_SAGA_CODEC_KEYS)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-codec-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('with no key file, a client refuses at start-up naming the path and the fix; a worker creates it', async () => {
    const root = path.join(dir, 'fresh');
    const file = path.join(root, 'codec-keys.json');
    expect(() => loadCodec({ CONTAINER_SAGA_ROOT: root })).toThrow(KeyFileError);
    expect(() => loadCodec({ CONTAINER_SAGA_ROOT: root })).toThrow(
      `no key file at ${file}: workers accept only encrypted payloads, so nothing is sent. Copy the key file a worker created`,
    );
    const created = loadCodec({ CONTAINER_SAGA_ROOT: root }, { create: true });
    expect(created).toMatchObject({ created: true, file });
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect((await fs.stat(root)).mode & 0o777).toBe(0o700);
    // the second start reads the same key
    const again = loadCodec({ CONTAINER_SAGA_ROOT: root }, { create: true });
    expect(again.created).toBe(false);
    expect(again.codec.encryptingKeyId).toBe(created.codec.encryptingKeyId);
    expect(describeCodec(again, 'worker')).toBe(
      `payloads encrypted (AES-256-GCM, key ${again.codec.encryptingKeyId}; 1 key) with keys from ${file}; plaintext, unknown-key and retired-key payloads refused`,
    );
  });

  it('reads <state root>/codec-keys.json when the variable is unset, and encrypts with its newest key', async () => {
    const root = path.join(dir, 'root');
    await fs.mkdir(root);
    const keys = [newKey(), newKey()];
    await fs.writeFile(path.join(root, 'codec-keys.json'), formatKeyFile(keys), { mode: 0o600 });
    const loaded = loadCodec({ CONTAINER_SAGA_ROOT: root });
    expect(loaded).toMatchObject({ created: false, file: path.join(root, 'codec-keys.json') });
    expect(loaded.codec.encryptingKeyId).toBe(keys[1]!.id);
    const [sealed] = await codecDataConverter({ CONTAINER_SAGA_ROOT: root }).payloadCodecs![0]!.encode([
      toPayload(SECRET),
    ]);
    expect(text(sealed!.metadata![KEY_ID_METADATA])).toBe(keys[1]!.id);
  });

  it('fails at start-up when the file the variable names does not exist', () => {
    const file = path.join(dir, 'nope.json');
    expect(() => loadCodec({ CONTAINER_SAGA_CODEC_KEYS: file })).toThrow(
      `no key file at ${file} (CONTAINER_SAGA_CODEC_KEYS): workers accept only encrypted payloads`,
    );
  });

  it('addKey appends a key that encrypts from then on; the file stays 0600', async () => {
    const file = path.join(dir, 'rotate.json');
    const first = newKey();
    await fs.writeFile(file, formatKeyFile([first]), { mode: 0o600 });
    const added = addKey(file);
    expect(readKeyFile(file).map((k) => k.id)).toEqual([first.id, added.id]);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(loadCodec({ CONTAINER_SAGA_CODEC_KEYS: file }).codec.encryptingKeyId).toBe(added.id);
  });
});
