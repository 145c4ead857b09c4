import { badRequest } from './http';

/**
 * Docker's `since` / `until` query values (logs, events): a Unix timestamp in seconds, fractional or not
 * (`1700000000`, `1700000000.123456789`: what the docker CLI sends, having converted its own forms), or an
 * RFC 3339 date-time (`2026-11-30T23:30:00Z`, `…+01:00`, with or without fractions). Returns milliseconds
 * since the epoch (fractional: nanoseconds survive as far as a double holds them), undefined when absent.
 */
export function timeParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const ms = parseApiTime(v);
  if (ms === undefined) throw badRequest(`invalid value for ${name}: "${v}" (want a Unix timestamp in seconds or an RFC 3339 time)`);
  return ms;
}

const UNIX = /^(-?\d+)(?:\.(\d{1,9}))?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

export function parseApiTime(v: string): number | undefined {
  const unix = UNIX.exec(v);
  if (unix) {
    const seconds = Number(unix[1]);
    const nanos = unix[2] ? Number(unix[2].padEnd(9, '0')) : 0;
    return seconds * 1000 + (seconds < 0 ? -nanos : nanos) / 1e6;
  }
  if (RFC3339.test(v)) {
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) return undefined;
    // Date.parse keeps milliseconds: add what finer digits the value had.
    const frac = /\.(\d+)/.exec(v)?.[1] ?? '';
    const finer = frac.length > 3 ? Number(`0.${frac.slice(3, 9)}`) : 0;
    return ms + finer;
  }
  return undefined;
}
