import { ContainerError } from './errors';
import type { HostConfig } from './types';

/**
 * Docker's checks of the name-resolution options (its opts package: ValidateIPAddress, ValidateDNSSearch,
 * ValidateExtraHost), shared by the CLI (which wraps the message as a flag error) and create (400). Pure.
 */

/** `--add-host NAME:host-gateway`: the container's gateway, resolved at start. */
export const HOST_GATEWAY = 'host-gateway';

function isIPv4(s: string): boolean {
  // Go's net.ParseIP: four decimal octets, no leading zeros
  return /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(s);
}

function isIPv6(s: string): boolean {
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const parts = halves.flatMap(groups);
  let count = parts.length;
  const last = parts[parts.length - 1];
  if (last !== undefined && last.includes('.')) {
    if (!isIPv4(last)) return false;
    parts.pop();
    count += 1; // an embedded IPv4 address takes two groups
  }
  if (!parts.every((p) => /^[0-9a-fA-F]{1,4}$/.test(p))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** An IPv4 or IPv6 address literal, as Go's net.ParseIP takes it (no zone, no brackets). */
export function isIpAddress(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}

/** `--dns`: the address, trimmed; Docker's message when it is none. */
export function checkDnsServer(value: string): string {
  const ip = value.trim();
  if (!isIpAddress(ip)) throw new Error(`IP address is not correctly formatted: ${value}`);
  return ip;
}

const DOMAIN =
  /^((?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*)\.?\s*$/;

/** `--dns-search`: a domain, or "." (no search list). */
export function checkDnsSearch(value: string): string {
  const v = value.replace(/^ +| +$/g, '');
  if (v === '.') return v;
  const m = DOMAIN.exec(v);
  if (!/[a-zA-Z]/.test(v) || !m || m[1]!.length >= 255) throw new Error(`${v} is not a valid domain`);
  return m[1]!;
}

/** `--add-host NAME:IP` (or NAME=IP; an IPv6 address may be in brackets), stored as NAME:IP. */
export function parseExtraHost(value: string): { name: string; ip: string } {
  let cut = value.indexOf('=');
  if (cut < 0) cut = value.indexOf(':');
  const name = cut < 0 ? '' : value.slice(0, cut);
  if (name === '' || name.includes(':')) throw new Error(`bad format for add-host: ${JSON.stringify(value)}`);
  let ip = value.slice(cut + 1);
  if (ip !== HOST_GATEWAY) {
    if (ip.length > 2 && ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
    if (!isIpAddress(ip.trim())) throw new Error(`invalid IP address in add-host: ${JSON.stringify(ip)}`);
  }
  return { name, ip };
}

/** Create's check of a HostConfig's DNS fields (the API's body as the CLI's flags): 400 with Docker's message. */
export function checkDnsSettings(hc: Pick<HostConfig, 'Dns' | 'DnsSearch' | 'ExtraHosts'>): void {
  try {
    for (const d of hc.Dns ?? []) checkDnsServer(d);
    for (const s of hc.DnsSearch ?? []) checkDnsSearch(s);
    for (const h of hc.ExtraHosts ?? []) parseExtraHost(h);
  } catch (err) {
    throw new ContainerError('InvalidParameter', (err as Error).message);
  }
}

/**
 * /etc/hosts lines of HostConfig.ExtraHosts ("IP\tNAME"), host-gateway resolved to `gateway` (the container's
 * gateway); with none (host or none network), Docker's message for a daemon without a host-gateway address.
 */
export function extraHostLines(extraHosts: readonly string[], gateway: string): string[] {
  return extraHosts.map((h) => {
    const { name, ip } = parseExtraHost(h);
    if (ip !== HOST_GATEWAY) return `${ip}\t${name}`;
    if (!gateway) throw new ContainerError('InvalidParameter', 'unable to derive the IP value for host-gateway');
    return `${gateway}\t${name}`;
  });
}
