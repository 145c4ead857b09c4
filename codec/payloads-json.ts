import type { Payload } from '@temporalio/common';

/**
 * The codec server protocol's body: Temporal's `Payloads` message in proto3 JSON, `{"payloads": [{"metadata":
 * {"encoding": "<base64>"}, "data": "<base64>"}]}` (bytes fields are base64, standard or URL-safe).
 */

export interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

/** A body that is not Payloads JSON: the server answers 400 with this message. */
export class MalformedPayloads extends Error {
  override name = 'MalformedPayloads';
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function bytes(value: unknown, where: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value)) throw new MalformedPayloads(`${where} must be a base64 string`);
  return Buffer.from(value, 'base64');
}

/** The payloads of a request body; anything else is MalformedPayloads naming what is wrong. */
export function payloadsFromJson(body: string): Payload[] {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    throw new MalformedPayloads('the body is not JSON');
  }
  const list = (doc as { payloads?: unknown } | null)?.payloads;
  if (typeof doc !== 'object' || doc === null || !Array.isArray(list))
    throw new MalformedPayloads('the body must be {"payloads": [...]}');
  return list.map((p: unknown, i): Payload => {
    if (typeof p !== 'object' || p === null || Array.isArray(p))
      throw new MalformedPayloads(`payloads[${i}] must be an object`);
    const { metadata, data } = p as { metadata?: unknown; data?: unknown };
    if (metadata !== undefined && metadata !== null && (typeof metadata !== 'object' || Array.isArray(metadata))) {
      throw new MalformedPayloads(`payloads[${i}].metadata must be an object`);
    }
    return {
      metadata: Object.fromEntries(
        Object.entries(metadata ?? {}).map(([k, v]) => [k, bytes(v, `payloads[${i}].metadata.${k}`)]),
      ),
      data: data === undefined || data === null ? new Uint8Array() : bytes(data, `payloads[${i}].data`),
    };
  });
}

export function payloadsToJson(payloads: readonly Payload[]): { payloads: JsonPayload[] } {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
      ),
      data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
    })),
  };
}
