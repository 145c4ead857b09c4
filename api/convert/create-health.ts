import type { HealthConfig } from '../../common/image-config';
import { isZero, optInt, optObject, optStrSlice } from './json-value';

/**
 * Config.Healthcheck (Docker's HealthConfig) → the CreateRequest's, as sent: `{Test: ["NONE"]}` is
 * --no-healthcheck, an empty Test inherits the image's; the create checks the durations with the daemon's
 * messages (common/health.ts checkHealthConfig). A zero struct (or null) is no healthcheck of the create's own.
 */
export function toHealthConfig(value: unknown): HealthConfig | undefined {
  const h = optObject(value, 'Healthcheck');
  if (!h || isZero(h)) return undefined;
  const out: HealthConfig = {};
  const test = optStrSlice(h.Test, 'Healthcheck.Test');
  if (test && test.length > 0) out.Test = test;
  for (const k of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const) {
    const n = optInt(h[k], `Healthcheck.${k}`);
    if (n !== undefined && n !== 0) out[k] = n;
  }
  return out;
}
