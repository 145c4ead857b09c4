/**
 * The worker mode of codec/aes-gcm-codec.ts (sentinels instead of exceptions), the binding to a workflow, key
 * retirement (codec/key-file.ts retireKey, `npm run codec-key --retire`), and the interceptors' unwrapping.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter, type Payload, type SerializationContext } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AesGcmCodec, BINDING_METADATA, PayloadDecryptError } from '../../codec/aes-gcm-codec';
import { formatKeyFile, KeyFileError, newKey, parseKeyFile, readKeyFile, retireKey } from '../../codec/key-file';
import { workerDataConverter } from '../../codec/load';
import { retireArg } from '../../codec/retire-arg';
import {
  fromBase64,
  isRefused,
  REFUSED_PAYLOAD,
  unwrapRetired,
  type RefusedPayload,
} from '../../common/refused-payload';

const conv = defaultPayloadConverter;
const wf = (workflowId: string, namespace = 'default'): SerializationContext => ({
  type: 'workflow',
  namespace,
  workflowId,
});
const A = newKey();
const B = newKey();
const client = new AesGcmCodec([A], 'the key file /k.json');
const worker = client.forWorker();
const refusal = async (codec: AesGcmCodec, p: Payload, ctx?: SerializationContext) => {
  const [out] = await codec.decode([p], ctx);
  const v = conv.fromPayload(out!);
  expect(isRefused(v), JSON.stringify(v)).toBe(true);
  return v as RefusedPayload;
};

describe('worker mode: refuses without throwing', () => {
  it('accepts its own payloads, bound to the same workflow', async () => {
    const [sealed] = await client.encode([conv.toPayload({ n: 1 })], wf('w1'));
    const [out] = await worker.decode([sealed!], wf('w1'));
    expect(conv.fromPayload(out!)).toEqual({ n: 1 });
  });

  it('a plaintext payload becomes a sentinel naming the problem and the fix (a client passes it through)', async () => {
    const plain = conv.toPayload({ request: { image: 'busybox' } });
    expect(await client.decode([plain])).toEqual([plain]);
    const r = await refusal(worker, plain, wf('w1'));
    expect(r[REFUSED_PAYLOAD]).toBe(
      'payload refused: not encrypted; this worker accepts only payloads encrypted under an active key in the key file /k.json (copy that file to the client, or set CONTAINER_SAGA_CODEC_KEYS)',
    );
    expect(r.retired).toBeUndefined();
  });

  it('a foreign key: a sentinel in a worker, PayloadDecryptError in a client', async () => {
    const [foreign] = await new AesGcmCodec([B], 'x').encode([conv.toPayload(1)], wf('w1'));
    expect((await refusal(worker, foreign!, wf('w1')))[REFUSED_PAYLOAD]).toMatch(
      new RegExp(`^payload refused: encrypted with key "${B.id}", which is not in the key file;`),
    );
    await expect(client.decode([foreign!])).rejects.toBeInstanceOf(PayloadDecryptError);
  });
});

describe('binding (namespace and workflow ID as associated data)', () => {
  it('is written beside the ciphertext when the context has a workflow ID, for activities too', async () => {
    const [wfBound] = await client.encode([conv.toPayload(1)], wf('w1', 'ns'));
    expect(Buffer.from(wfBound!.metadata![BINDING_METADATA]!).toString()).toBe('["ns","w1"]');
    const activity: SerializationContext = { type: 'activity', namespace: 'ns', workflowId: 'w2', isLocal: false };
    const [actBound] = await client.encode([conv.toPayload(1)], activity);
    expect(Buffer.from(actBound!.metadata![BINDING_METADATA]!).toString()).toBe('["ns","w2"]');
    const [unbound] = await client.encode([conv.toPayload(1)]);
    expect(unbound!.metadata![BINDING_METADATA]).toBeUndefined();
  });

  it('a payload made for workflow X is refused as the input of workflow Y (same or other namespace)', async () => {
    const [sealed] = await client.encode([conv.toPayload({ secret: 1 })], wf('X'));
    expect((await refusal(worker, sealed!, wf('Y')))[REFUSED_PAYLOAD]).toBe(
      'payload refused: payload bound to workflow X of namespace default cannot be used by workflow Y of namespace default',
    );
    expect((await refusal(worker, sealed!, wf('X', 'other')))[REFUSED_PAYLOAD]).toMatch(/cannot be used by workflow X/);
    // a decoder without context (codec server, CLI) still decrypts it
    expect(conv.fromPayload((await client.decode([sealed!]))[0]!)).toEqual({ secret: 1 });
    expect(conv.fromPayload((await worker.decode([sealed!]))[0]!)).toEqual({ secret: 1 });
  });

  it('the binding is authenticated: rewritten to Y, the payload fails GCM', async () => {
    const [sealed] = await client.encode([conv.toPayload(1)], wf('X'));
    const forged = {
      ...sealed!,
      metadata: { ...sealed!.metadata, [BINDING_METADATA]: Buffer.from('["default","Y"]') },
    };
    expect((await refusal(worker, forged, wf('Y')))[REFUSED_PAYLOAD]).toMatch(/failed authentication/);
    const stripped = { ...sealed!, metadata: { ...sealed!.metadata } };
    delete stripped.metadata[BINDING_METADATA];
    expect((await refusal(worker, stripped, wf('Y')))[REFUSED_PAYLOAD]).toMatch(/failed authentication/);
  });

  it('an unbound encrypted payload (0.2.0 histories) decodes in any context', async () => {
    const [unbound] = await client.encode([conv.toPayload('old')]);
    expect(conv.fromPayload((await worker.decode([unbound!], wf('any')))[0]!)).toBe('old');
  });
});

describe('retired keys', () => {
  const retiredA = { ...A, retired: '2026-01-01T00:00:00.000Z' };
  const rotatedClient = new AesGcmCodec([retiredA, B], 'the key file /k.json');
  const rotatedWorker = rotatedClient.forWorker();

  it('the newest active key encrypts; a client decodes the retired one', async () => {
    expect(rotatedClient.encryptingKeyId).toBe(B.id);
    expect(new AesGcmCodec([A, { ...B, retired: '2026-01-01T00:00:00Z' }], 'k').encryptingKeyId).toBe(A.id);
    const [underA] = await client.encode([conv.toPayload({ v: 'a' })], wf('w'));
    expect(conv.fromPayload((await rotatedClient.decode([underA!]))[0]!)).toEqual({ v: 'a' });
  });

  it('a worker gives a sentinel carrying the original, which unwrapRetired restores', async () => {
    const [underA] = await client.encode([conv.toPayload({ v: 'a', bytes: 'é✓' })], wf('w'));
    const r = await refusal(rotatedWorker, underA!, wf('w'));
    expect(r[REFUSED_PAYLOAD]).toMatch(
      new RegExp(`^payload refused: encrypted with key "${A.id}", retired 2026-01-01`),
    );
    expect(r.retired!.at).toBe(retiredA.retired);
    expect(unwrapRetired(r)).toEqual({ v: 'a', bytes: 'é✓' });
  });

  it('fromBase64 matches Buffer for every length', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff));
      expect(Buffer.from(fromBase64(bytes.toString('base64')))).toEqual(bytes);
    }
  });

  describe('retireKey and the key file', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-retire-'));
    });
    afterAll(() => fs.rm(dir, { recursive: true, force: true }));

    it('marks the key retired (kept in the file, 0600); the last active key cannot be retired', async () => {
      const file = path.join(dir, 'keys.json');
      await fs.writeFile(file, formatKeyFile([A, B]), { mode: 0o600 });
      const now = new Date('2026-02-03T04:05:06.000Z');
      expect(retireKey(file, A.id, now).retired).toBe(now.toISOString());
      expect(readKeyFile(file).map((k) => [k.id, k.retired])).toEqual([
        [A.id, now.toISOString()],
        [B.id, undefined],
      ]);
      expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
      expect(() => retireKey(file, A.id)).toThrow(`key "${A.id}" in ${file} was already retired ${now.toISOString()}`);
      expect(() => retireKey(file, B.id)).toThrow(`key "${B.id}" is the only active key in ${file}: add one first`);
      expect(() => retireKey(file, 'nope')).toThrow(KeyFileError);
    });

    it('refuses a file whose keys are all retired, or a retired that is not a time', () => {
      const k = A.key.toString('base64');
      expect(() => parseKeyFile(JSON.stringify([{ id: 'a', key: k, retired: '2026-01-01' }]), 'f')).toThrow(
        'key file f has no active key',
      );
      expect(() => parseKeyFile(JSON.stringify([{ id: 'a', key: k, retired: 'soon' }]), 'f')).toThrow(
        '"retired" must be an ISO time',
      );
    });
  });

  it.each<[string[], NodeJS.ProcessEnv, string | undefined]>([
    [[], {}, undefined],
    [['--retire', 'key-1'], {}, 'key-1'],
    [['--retire=key-1'], {}, 'key-1'],
    // `npm run codec-key --retire key-1`: npm takes the flag as its own config and passes the ID on
    [['key-1'], { npm_config_retire: 'true' }, 'key-1'],
    [[], { npm_config_retire: 'key-1' }, 'key-1'],
    [[], { npm_config_retire: '' }, undefined],
  ])('retireArg(%j, %j) = %s', (argv, env, id) => {
    expect(retireArg(argv, env)).toBe(id);
  });

  it('retireArg refuses --retire without an ID', () => {
    expect(() => retireArg(['--retire'], {})).toThrow('--retire takes the ID');
    expect(() => retireArg([], { npm_config_retire: 'true' })).toThrow('--retire takes the ID');
  });
});

describe('workerDataConverter', () => {
  it('switches the codec to worker mode and refuses a converter without it', () => {
    const out = workerDataConverter({ payloadCodecs: [client] });
    expect((out.payloadCodecs![0] as AesGcmCodec).mode).toBe('worker');
    expect(() => workerDataConverter({})).toThrow('a worker requires the payload codec');
    expect(() => workerDataConverter(undefined)).toThrow(KeyFileError);
  });
});
