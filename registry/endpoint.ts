/**
 * Which registries may be spoken to over plain HTTP: Docker's `--insecure-registry` default is the loopback
 * network (127.0.0.0/8, and ::1 / localhost here), plus the hosts or IPv4 CIDRs listed explicitly.
 */
import { isIPv4 } from 'node:net';
import { hostOnly, isLoopbackHost } from '../common/loopback';

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, part) => (n << 8) + Number(part), 0) >>> 0;
}

function inCidr(ip: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (!isIPv4(ip) || !isIPv4(net) || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (ipv4ToInt(ip) & mask) === (ipv4ToInt(net) & mask);
}

export function isLoopback(domain: string): boolean {
  return isLoopbackHost(hostOnly(domain));
}

/** True when `domain` (host[:port]) may use plain HTTP: loopback, or an entry of `insecure`. */
export function allowsPlainHttp(domain: string, insecure: readonly string[] = []): boolean {
  if (isLoopback(domain)) return true;
  const host = hostOnly(domain);
  return insecure.some((entry) => {
    const e = entry.toLowerCase().replace(/^[a-z]+:\/\//, '');
    return e === domain.toLowerCase() || e === host || (e.includes('/') && inCidr(host, e));
  });
}
