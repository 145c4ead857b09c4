/**
 * `logs --since` as Docker's CLI reads it (api/types/time.GetTimestamp): a Go duration before now (`10m`,
 * `1h30m`, `42s`), an RFC 3339 date or date-time (`2026-11-30`, `2026-11-30T23:30`, `2026-11-30T23:30:01.5Z`,
 * `…+01:00`; without a zone in local time), or a Unix timestamp (`1700000000`, `1700000000.123`). Pure, `now`
 * injectable.
 */

/** Go's duration units, in milliseconds. */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const PART = String.raw`(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)`;
const DURATION = new RegExp(`^([-+]?)((?:${PART})+)$`);
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?)?([zZ]|[+-]\d{2}:\d{2})?$/;

/** Go's time.ParseDuration, in milliseconds; undefined when `text` is not one. */
export function parseGoDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  let ms = 0;
  for (const [, n, unit] of m[2]!.matchAll(new RegExp(PART, 'g'))) ms += Number(n) * UNIT_MS[unit!]!;
  return m[1] === '-' ? -ms : ms;
}

/** The time `--since value` names, in ms since the epoch (fractions of a ms kept); throws Docker's error. */
export function parseSince(value: string, now: number = Date.now()): number {
  const d = value === '0' ? undefined : parseGoDuration(value);
  if (d !== undefined) return now - d;
  const m = DATE_TIME.exec(value);
  if (m) {
    const [y, mo, day, h = '0', mi = '0', s = '0'] = m.slice(1, 7);
    const fracMs = m[7] ? Number(`0${m[7]}`) * 1000 : 0;
    const zone = m[8];
    const parts = [Number(y), Number(mo) - 1, Number(day), Number(h), Number(mi), Number(s)] as const;
    const base = zone === undefined ? new Date(...parts).getTime() : Date.UTC(...parts) - zoneOffsetMs(zone);
    // Go refuses what does not exist (month 13, 25 o'clock, Feb 30): the date must read back the same
    const back = zone === undefined ? new Date(base) : new Date(base + zoneOffsetMs(zone));
    const got =
      zone === undefined
        ? [back.getFullYear(), back.getMonth(), back.getDate(), back.getHours(), back.getMinutes(), back.getSeconds()]
        : [
            back.getUTCFullYear(),
            back.getUTCMonth(),
            back.getUTCDate(),
            back.getUTCHours(),
            back.getUTCMinutes(),
            back.getUTCSeconds(),
          ];
    if (got.every((v, i) => v === parts[i])) return base + fracMs;
    throw new Error(`parsing time "${value}": value out of range`);
  }
  // Docker: a value with a '-' was meant as a date-time; anything else must be a Unix timestamp
  if (value.includes('-')) throw new Error(`parsing time "${value}": not an RFC 3339 date-time`);
  const unix = /^(\d+)(\.\d{1,9})?$/.exec(value);
  if (unix) return Number(unix[1]) * 1000 + (unix[2] ? Number(`0${unix[2]}`) * 1000 : 0);
  throw new Error(`failed to parse value as time or duration: "${value}"`);
}

function zoneOffsetMs(zone: string): number {
  if (zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  return sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
}
