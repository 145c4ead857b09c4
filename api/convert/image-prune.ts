import type { ImagePruneInput } from '../../common/image-verbs-api';
import { badRequest, filtersParam } from '../http';

/** The filters `POST /images/prune` takes (Docker's image prune filters). */
const PRUNE_FILTERS = ['dangling', 'label', 'label!', 'until'] as const;

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Docker's `until` (timetypes.GetTimestamp): a Go duration before now (`24h`, `1h30m`), Unix seconds, or a
 * date (RFC 3339, or a date alone).
 */
export function untilTime(value: string, now = Date.now()): string {
  if (/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(value)) {
    let ms = 0;
    for (const [, n, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(n) * UNITS[unit!]!;
    return new Date(now - ms).toISOString();
  }
  if (/^\d+(\.\d+)?$/.test(value)) return new Date(Number(value) * 1000).toISOString();
  const t = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(t)) throw badRequest(`failed to parse value as time or duration: "${value}"`);
  return new Date(t).toISOString();
}

/** The prune filters as the host applies them; a bad one is Docker's 400. */
export function pruneInput(q: URLSearchParams, now = Date.now()): ImagePruneInput {
  const filters = filtersParam(q, PRUNE_FILTERS);
  const dangling = filters.get('dangling') ?? [];
  let all = false;
  if (dangling.some((d) => d === 'false' || d === '0')) all = true;
  else if (dangling.length && !dangling.some((d) => d === 'true' || d === '1'))
    throw badRequest(`Invalid filter 'dangling=${dangling.join(',')}'`);
  const input: ImagePruneInput = { all };
  if (filters.get('label')?.length) input.labels = filters.get('label');
  if (filters.get('label!')?.length) input.labelsNot = filters.get('label!');
  const until = filters.get('until') ?? [];
  if (until.length > 1) throw badRequest('more than one until filter specified');
  if (until[0] !== undefined) input.until = untilTime(until[0], now);
  return input;
}
