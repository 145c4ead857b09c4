import type { CreateRequest } from '../common/types';
import { usageError } from './errors';

/** The healthcheck flags of create and run as commander hands them over. */
export interface HealthFlags {
  healthCmd?: string;
  healthInterval?: string;
  healthTimeout?: string;
  healthRetries?: string;
  healthStartPeriod?: string;
  healthStartInterval?: string;
  healthcheck?: boolean;
}

type FlagError = (value: string, flag: string, why: string) => never;

const UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration, in nanoseconds ("1m30s", "1.5s", "-2s", "0"); undefined when Go refuses it. */
export function parseGoDuration(text: string): number | undefined {
  const m = /^([-+]?)(.*)$/.exec(text)!;
  const sign = m[1] === '-' ? -1 : 1;
  const rest = m[2]!;
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  const part = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < rest.length) {
    part.lastIndex = at;
    const p = part.exec(rest);
    if (!p) return undefined;
    total += Number(p[1]) * UNITS[p[2]!]!;
    at = part.lastIndex;
  }
  return Math.round(sign * total);
}

/**
 * --health-* and --no-healthcheck as the docker CLI turns them into Config.Healthcheck (cli/command/container/
 * opts.go): durations as Go's flags parse them, its own refusals of negative values and of mixing both kinds.
 */
export function healthFlags(flags: HealthFlags, bad: FlagError): Pick<CreateRequest, 'healthcheck'> {
  const duration = (value: string | undefined, flag: string): number => {
    if (value === undefined) return 0;
    const ns = parseGoDuration(value);
    return ns ?? bad(value, flag, `time: invalid duration ${JSON.stringify(value)}`);
  };
  const interval = duration(flags.healthInterval, '--health-interval');
  const timeout = duration(flags.healthTimeout, '--health-timeout');
  const startPeriod = duration(flags.healthStartPeriod, '--health-start-period');
  const startInterval = duration(flags.healthStartInterval, '--health-start-interval');
  let retries = 0;
  if (flags.healthRetries !== undefined) {
    if (!/^[-+]?\d+$/.test(flags.healthRetries))
      bad(
        flags.healthRetries,
        '--health-retries',
        `strconv.ParseInt: parsing ${JSON.stringify(flags.healthRetries)}: invalid syntax`,
      );
    retries = Number(flags.healthRetries);
  }
  const cmd = flags.healthCmd ?? '';
  const any =
    cmd !== '' || interval !== 0 || timeout !== 0 || startPeriod !== 0 || retries !== 0 || startInterval !== 0;
  // commander's --no-healthcheck sets `healthcheck` to false
  if (flags.healthcheck === false) {
    if (any) throw usageError('--no-healthcheck conflicts with --health-* options', 'create');
    return { healthcheck: { Test: ['NONE'] } };
  }
  if (!any) return {};
  const negative = (v: number, flag: string) => {
    if (v < 0) throw usageError(`${flag} cannot be negative`, 'create');
  };
  negative(interval, '--health-interval');
  negative(timeout, '--health-timeout');
  negative(retries, '--health-retries');
  negative(startPeriod, '--health-start-period');
  negative(startInterval, '--health-start-interval');
  const config = { Interval: interval, Timeout: timeout, StartPeriod: startPeriod, StartInterval: startInterval };
  return { healthcheck: { ...(cmd !== '' ? { Test: ['CMD-SHELL', cmd] } : {}), ...config, Retries: retries } };
}
