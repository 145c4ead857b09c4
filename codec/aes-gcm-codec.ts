import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { REFUSED_PAYLOAD, type RefusedPayload } from '../common/refused-payload';
import type { CodecKey } from './key-file';

/** Metadata of an encrypted payload (all plaintext): its encoding, the key's ID, and the binding, if any. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
/** JSON `[namespace, workflowId]`: the workflow the payload was made for, authenticated as GCM associated data. */
export const BINDING_METADATA = 'encryption-binding';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const ProtoPayload = temporal.api.common.v1.Payload;

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : undefined);
const b64 = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('base64');

/** An encrypted payload that cannot be decrypted here; the message names the key ID and how to fix it. */
export class PayloadDecryptError extends Error {
  override name = 'PayloadDecryptError';
}

/**
 * `client` (CLI, Engine API, codec server, tests' clients): decodes plaintext as it is (histories from before
 * encryption) and retired keys' payloads (history reads), throws for the rest. `worker`: accepts only payloads
 * under an active key in its file, bound to the workflow decoding them; any other gives a sentinel
 * (common/refused-payload.ts) that the interceptors turn into a non-retryable failure.
 */
export type CodecMode = 'client' | 'worker';

interface Binding {
  namespace: string;
  workflowId: string;
}

/** A payload refused in worker mode, before it becomes a sentinel. */
class Refusal {
  constructor(
    readonly reason: string,
    readonly retired?: { at: string; original: Payload },
  ) {}
}

/**
 * AES-256-GCM over whole payloads, Temporal's way (a PayloadCodec): the original payload, proto-encoded, is
 * encrypted with the newest active key under a random 12-byte IV; the result's data is IV ‖ ciphertext ‖ GCM
 * tag and its metadata says `encoding: binary/encrypted`, which key, and, when the SDK gives a workflow ID in
 * the serialization context, the binding (namespace and workflow ID), which is the GCM associated data: it
 * cannot be altered or removed without failing authentication. Decoding takes the binding from the metadata,
 * so a decoder without context (codec server, CLI) still decrypts.
 */
export class AesGcmCodec implements PayloadCodec {
  private readonly byId: ReadonlyMap<string, CodecKey>;
  private readonly newest: CodecKey | undefined;

  /** `keys` oldest first; `source` names where they came from (the key file) in errors. */
  constructor(
    private readonly keys: readonly CodecKey[],
    private readonly source: string,
    readonly mode: CodecMode = 'client',
  ) {
    this.byId = new Map(keys.map((k) => [k.id, k]));
    this.newest = keys.filter((k) => !k.retired).at(-1);
  }

  /** The same keys in worker mode. */
  forWorker(): AesGcmCodec {
    return new AesGcmCodec(this.keys, this.source, 'worker');
  }

  /** The ID of the key that encrypts. */
  get encryptingKeyId(): string | undefined {
    return this.newest?.id;
  }

  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    const key = this.newest;
    if (!key) throw new PayloadDecryptError(`no active key in ${this.source}: nothing may be sent unencrypted`);
    const binding = context?.workflowId
      ? JSON.stringify([context.namespace, context.workflowId] satisfies [string, string])
      : undefined;
    return payloads.map((p) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key.key, iv);
      if (binding !== undefined) cipher.setAAD(utf8(binding));
      const sealed = Buffer.concat([cipher.update(ProtoPayload.encode(p).finish()), cipher.final()]);
      return {
        metadata: {
          encoding: utf8(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: utf8(key.id),
          ...(binding !== undefined ? { [BINDING_METADATA]: utf8(binding) } : {}),
        },
        data: Buffer.concat([iv, sealed, cipher.getAuthTag()]),
      };
    });
  }

  async decode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    return payloads.map((p) => {
      const out = this.open(p, context);
      if (!(out instanceof Refusal)) return out;
      if (this.mode === 'client') throw new PayloadDecryptError(out.reason);
      return sentinel(out);
    });
  }

  /** A client names the problem; a worker also says what it accepts and how to fix the client. */
  private refused(problem: string): Refusal {
    if (this.mode === 'client') return new Refusal(problem);
    return new Refusal(
      `payload refused: ${problem}; this worker accepts only payloads encrypted under an active key in ${this.source} (copy that file to the client, or set CONTAINER_SAGA_CODEC_KEYS)`,
    );
  }

  private open(p: Payload, context: SerializationContext | undefined): Payload | Refusal {
    if (text(p.metadata?.encoding) !== ENCRYPTED_ENCODING) {
      return this.mode === 'client' ? p : this.refused('not encrypted');
    }
    const id = text(p.metadata?.[KEY_ID_METADATA]);
    if (id === undefined) return this.refused(`an encrypted payload has no ${KEY_ID_METADATA} metadata`);
    const key = this.byId.get(id);
    if (!key) {
      return this.mode === 'client'
        ? new Refusal(
            `payload encrypted with key "${id}", which is not in ${this.source}: add that key to the key file CONTAINER_SAGA_CODEC_KEYS names`,
          )
        : this.refused(`encrypted with key "${id}", which is not in the key file`);
    }
    const bindingText = text(p.metadata?.[BINDING_METADATA]);
    const binding = bindingText === undefined ? undefined : parseBinding(bindingText);
    if (binding === null) return this.refused(`an encrypted payload (key "${id}") has a malformed binding`);
    const data = p.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES)
      return this.refused(`an encrypted payload (key "${id}") is too short to be one`);
    let original: Payload;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, data.subarray(0, IV_BYTES));
      if (bindingText !== undefined) decipher.setAAD(utf8(bindingText));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      original = ProtoPayload.decode(plain);
    } catch {
      // GCM's tag check: the ciphertext, IV, tag or binding was altered, or this is not the key that sealed it.
      const problem = `an encrypted payload (key "${id}") failed authentication: it was altered or the key "${id}" in ${this.source} is not the one that encrypted it`;
      return this.refused(problem);
    }
    if (this.mode === 'client') return original;
    if (binding && context?.workflowId !== undefined) {
      if (binding.workflowId !== context.workflowId || binding.namespace !== context.namespace) {
        return new Refusal(
          `payload refused: payload bound to workflow ${binding.workflowId} of namespace ${binding.namespace} cannot be used by workflow ${context.workflowId} of namespace ${context.namespace}`,
        );
      }
    }
    if (key.retired) {
      return new Refusal(
        `payload refused: encrypted with key "${id}", retired ${key.retired} in ${this.source}; re-send it from a client holding the current key file`,
        { at: key.retired, original },
      );
    }
    return original;
  }
}

function parseBinding(s: string): Binding | null {
  try {
    const v: unknown = JSON.parse(s);
    if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'string'))
      return { namespace: v[0] as string, workflowId: v[1] as string };
  } catch {
    // malformed: below
  }
  return null;
}

/** The json/plain payload standing for a refused one. */
function sentinel(r: Refusal): Payload {
  const value: RefusedPayload = { [REFUSED_PAYLOAD]: r.reason };
  if (r.retired) {
    const { at, original } = r.retired;
    const metadata = Object.fromEntries(Object.entries(original.metadata ?? {}).map(([k, v]) => [k, b64(v)]));
    value.retired = { at, metadata, data: b64(original.data) };
  }
  return { metadata: { encoding: utf8('json/plain') }, data: utf8(JSON.stringify(value)) };
}
