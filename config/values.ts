import { isIPv4, isIPv6 } from 'node:net';
import path from 'node:path';
import { ConfigError } from './config-error';
import type { ConfigVariable } from './index';

/** Where the Prometheus exporter binds; `bindAddress` is what the SDK's Runtime takes (an IP literal and a port). */
export interface MetricsAddress {
  readonly host: string;
  readonly port: number;
  /** `host:port`, the IPv6 host in brackets */
  readonly bindAddress: string;
}

/** The parsers of the variables' values: each names its variable in the ConfigError it throws. */

export function oneOf<T extends string>(name: ConfigVariable, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(`${name} must be ${allowed.join(', ').replace(/, ([^,]*)$/, ' or $1')} (got "${value}")`);
}

/** host:port on loopback only: the API has no authentication, so it never listens where others reach it. */
export function loopbackAddress(name: ConfigVariable, value: string): { host: string; port: number } {
  const m = /^(?:\[?(127\.0\.0\.1|::1|localhost)\]?:)?(\d+)$/.exec(value);
  if (!m)
    throw new ConfigError(`${name} must be a loopback address, [127.0.0.1:|[::1]:|localhost:]PORT (got "${value}")`);
  return { host: m[1] ?? '127.0.0.1', port: port(name, m[2]!) };
}

/** A PATH-like list of absolute directories; empty entries are skipped, as a shell skips them. */
export function absoluteDirs(name: ConfigVariable, value: string): string[] {
  const dirs = value.split(':').filter(Boolean);
  const relative = dirs.find((d) => !path.isAbsolute(d));
  if (relative !== undefined)
    throw new ConfigError(`${name} must list absolute directories separated by ':' (got "${relative}")`);
  return dirs.map((d) => path.resolve(d));
}

/**
 * The metrics endpoint's address: `PORT` (on 127.0.0.1), `IPv4:PORT`, `[IPv6]:PORT` or `localhost:PORT`. The
 * SDK's exporter binds an IP literal, so other host names are refused here rather than failing inside it.
 * Any interface is allowed (`0.0.0.0:9464` for a Prometheus elsewhere): the endpoint only reads counters.
 */
export function metricsAddress(name: ConfigVariable, value: string): MetricsAddress {
  const m = /^(?:(?:\[([^\]]+)\]|([^:[\]]+)):)?([^:]+)$/.exec(value);
  const host = m ? (m[1] ?? (m[2] === 'localhost' ? '127.0.0.1' : m[2]) ?? '127.0.0.1') : undefined;
  if (!m || !host || (m[1] !== undefined ? !isIPv6(host) : !isIPv4(host))) {
    throw new ConfigError(
      `${name} must be PORT, IPv4:PORT, [IPv6]:PORT or localhost:PORT, e.g. 127.0.0.1:9464 (got "${value}")`,
    );
  }
  const p = port(name, m[3]!);
  return { host, port: p, bindAddress: isIPv6(host) ? `[${host}]:${p}` : `${host}:${p}` };
}

export function port(name: ConfigVariable, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535)
    throw new ConfigError(`${name} must be a port number, 1-65535 (got "${value}")`);
  return n;
}

/** An aligned IPv4 /30 (a.b.c.d/30, d a multiple of 4): a point-to-point link's two addresses. */
export function linkSubnet(name: ConfigVariable, value: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/30$/.exec(value);
  if (m && m.slice(1).every((o) => Number(o) <= 255) && Number(m[4]) % 4 === 0) return value;
  throw new ConfigError(`${name} must be an IPv4 /30 network, a.b.c.d/30 with d a multiple of 4 (got "${value}")`);
}
