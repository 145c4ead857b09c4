import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { CodecKey } from './key-file';

/** Metadata of an encrypted payload: its encoding and the ID of the key that encrypted it (both plaintext). */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const ProtoPayload = temporal.api.common.v1.Payload;

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : undefined);

/** An encrypted payload that cannot be decrypted here; the message names the key ID and how to fix it. */
export class PayloadDecryptError extends Error {
  override name = 'PayloadDecryptError';
}

/**
 * AES-256-GCM over whole payloads, Temporal's way (a PayloadCodec): the original payload, proto-encoded, is
 * encrypted with the newest key under a random 12-byte IV; the result's data is IV ‖ ciphertext ‖ GCM tag and
 * its metadata says `encoding: binary/encrypted` and which key. Decoding accepts any known key and passes a
 * payload that is not encrypted through unchanged, so histories and clients from before encryption still
 * work. With no keys, nothing is encrypted (encode passes through) and an encrypted payload fails to decode.
 */
export class AesGcmCodec implements PayloadCodec {
  private readonly byId: ReadonlyMap<string, Buffer>;
  private readonly newest: CodecKey | undefined;

  /** `keys` oldest first; `source` names where they came from (the key file) in errors. */
  constructor(
    keys: readonly CodecKey[],
    private readonly source: string,
  ) {
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
    this.newest = keys.at(-1);
  }

  /** The ID of the key that encrypts, undefined when encryption is off (no keys). */
  get encryptingKeyId(): string | undefined {
    return this.newest?.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.newest;
    if (!key) return payloads;
    return payloads.map((p) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key.key, iv);
      const sealed = Buffer.concat([cipher.update(ProtoPayload.encode(p).finish()), cipher.final()]);
      return {
        metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(key.id) },
        data: Buffer.concat([iv, sealed, cipher.getAuthTag()]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => (text(p.metadata?.encoding) === ENCRYPTED_ENCODING ? this.decrypt(p) : p));
  }

  private decrypt(p: Payload): Payload {
    const id = text(p.metadata?.[KEY_ID_METADATA]);
    if (id === undefined) throw new PayloadDecryptError(`an encrypted payload has no ${KEY_ID_METADATA} metadata`);
    const key = this.byId.get(id);
    if (!key) {
      throw new PayloadDecryptError(
        `payload encrypted with key "${id}", which is not in ${this.source}: add that key to the key file CONTAINER_SAGA_CODEC_KEYS names`,
      );
    }
    const data = p.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES)
      throw new PayloadDecryptError(`an encrypted payload (key "${id}") is too short to be one`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return ProtoPayload.decode(plain);
    } catch {
      // GCM's tag check: the ciphertext, IV or tag was altered, or this is not the key that sealed it.
      throw new PayloadDecryptError(
        `an encrypted payload (key "${id}") failed authentication: it was altered or the key "${id}" in ${this.source} is not the one that encrypted it`,
      );
    }
  }
}
