import { defaultPayloadConverter, type Payload } from '@temporalio/common';

/**
 * What a worker's payload codec (codec/aes-gcm-codec.ts, worker mode) puts in place of a payload it refuses: a
 * plain JSON object the workflow and activity interceptors recognise. The SDK turns a codec's exception into a
 * workflow TASK failure, retried forever; a sentinel lets the interceptors fail the workflow (or drop the signal,
 * reject the update) at once instead. Workflow-safe: no Node APIs.
 */
export const REFUSED_PAYLOAD = '__containerSagaRefusedPayload';

/** The failure type of a workflow or activity whose payload was refused. */
export const PAYLOAD_REFUSED = 'PayloadRefused';

export interface RefusedPayload {
  /** why, naming the problem and the fix */
  [REFUSED_PAYLOAD]: string;
  /**
   * Set when the payload is good but its key is retired: the decrypted original (metadata values and data in
   * base64) and when the key was retired. Replay and an activity scheduled before then may use it.
   */
  retired?: { at: string; metadata: Record<string, string>; data: string };
}

export function isRefused(v: unknown): v is RefusedPayload {
  return typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>)[REFUSED_PAYLOAD] === 'string';
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 to bytes (the workflow sandbox has no Buffer). */
export function fromBase64(s: string): Uint8Array {
  const clean = s.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let i = 0;
  for (const ch of clean) {
    const n = B64.indexOf(ch);
    if (n < 0) throw new TypeError('not base64');
    value = (value << 6) | n;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[i++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

/** The value a retired-key sentinel carries, through the SDK's default payload converter. */
export function unwrapRetired(r: RefusedPayload): unknown {
  if (!r.retired) throw new TypeError('not a retired-key payload');
  const payload: Payload = {
    metadata: Object.fromEntries(Object.entries(r.retired.metadata).map(([k, v]) => [k, fromBase64(v)])),
    data: fromBase64(r.retired.data),
  };
  return defaultPayloadConverter.fromPayload(payload);
}
