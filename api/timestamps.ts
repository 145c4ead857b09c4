import { parseSince } from '../client/log-since';
import { badRequest } from './http';

/**
 * Docker's `since` / `until` query values (logs, events): a Unix timestamp in seconds, fractional or not
 * (`1700000000`, `1700000000.123456789`: what the docker CLI sends, having converted its own forms), or an
 * RFC 3339 date-time (`2026-11-30T23:30:00Z`, `…+01:00`); read as the CLI reads its --since
 * (client/log-since.ts), so Docker's other forms (a duration before now: `10m`) are taken too. Returns
 * milliseconds since the epoch (fractions kept), undefined when absent; a 400 when unreadable.
 */
export function timeParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  try {
    return parseSince(v);
  } catch (err) {
    throw badRequest(`invalid value for ${name}: ${(err as Error).message}`);
  }
}
