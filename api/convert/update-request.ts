import type { RestartPolicy } from '../../common/types';
import type { UpdateResources } from '../../common/update-api';
import { badRequest } from '../http';

/**
 * POST /containers/{id}/update's body (Docker's UpdateConfig: the Resources fields and RestartPolicy) as the
 * fields container-saga changes. The docker CLI sends every Resources field, most at zero: a field it does not
 * have is accepted at its zero value and is a 400 naming it otherwise, as create's unsupported fields are.
 */
const TAKEN = new Set(['Memory', 'MemorySwap', 'NanoCpus', 'CpuShares', 'PidsLimit', 'RestartPolicy']);

const isZero = (v: unknown): boolean =>
  v === null ||
  v === 0 ||
  v === '' ||
  v === false ||
  (Array.isArray(v) && v.length === 0) ||
  (typeof v === 'object' && v !== null && Object.values(v).every(isZero));

const integer = (body: Record<string, unknown>, key: string): number | undefined => {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw badRequest(`invalid ${key}: want an integer`);
  return v;
};

export function toUpdateResources(body: Record<string, unknown>): UpdateResources {
  for (const [k, v] of Object.entries(body))
    if (!TAKEN.has(k) && !isZero(v))
      throw badRequest(`container-saga does not support ${k} in an update (only at its zero value)`);
  const out: UpdateResources = {};
  for (const key of ['Memory', 'MemorySwap', 'NanoCpus', 'CpuShares', 'PidsLimit'] as const) {
    const n = integer(body, key);
    // PidsLimit is a pointer in Docker's API: present (even 0) sets it; the others change only when not zero
    if (n !== undefined && (n !== 0 || key === 'PidsLimit')) out[key] = n;
  }
  const rp = body.RestartPolicy;
  if (rp !== undefined && rp !== null) {
    if (typeof rp !== 'object' || Array.isArray(rp)) throw badRequest('invalid RestartPolicy: want an object');
    const { Name = '', MaximumRetryCount = 0 } = rp as Record<string, unknown>;
    if (typeof Name !== 'string' || typeof MaximumRetryCount !== 'number' || !Number.isSafeInteger(MaximumRetryCount))
      throw badRequest('invalid RestartPolicy: want {Name: string, MaximumRetryCount: integer}');
    // the name is checked by the update's verifyUpdate (Docker's 400 `invalid restart policy`)
    if (Name !== '') out.RestartPolicy = { Name: Name as RestartPolicy['Name'], MaximumRetryCount };
  }
  return out;
}
