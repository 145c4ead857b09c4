import { promises as fs } from 'node:fs';
import { isIP } from 'node:net';

/**
 * The container's /etc/resolv.conf from the host's, as Docker's libnetwork (internal/resolvconf) makes it for a
 * network without an internal resolver: --dns, --dns-search and --dns-option replace their parts; then the
 * host's loopback name servers (127.0.0.0/8, ::1: they answer only in the host's namespace) and, IPv6 being off
 * on the bridge, its IPv6 ones are dropped, and Docker's defaults used when none is left. Pure, but for
 * readHostResolvConf.
 */

export interface DnsSettings {
  /** HostConfig.Dns, DnsSearch, DnsOptions ([]: the host's) */
  servers: readonly string[];
  search: readonly string[];
  options: readonly string[];
}

export const HOST_RESOLV_CONF = '/etc/resolv.conf';
export const DEFAULT_NAME_SERVERS = ['8.8.8.8', '8.8.4.4'];

interface Parsed {
  servers: string[];
  search: string[];
  options: string[];
  other: string[];
  invalid: string[];
}

function parse(text: string): Parsed {
  const p: Parsed = { servers: [], search: [], options: [], other: [], invalid: [] };
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/).filter(Boolean);
    if (f.length === 0 || f[0]!.startsWith('#') || f[0]!.startsWith(';')) continue;
    const [key, ...rest] = f;
    if (key === 'nameserver') {
      if (rest.length === 0) continue;
      if (isIP(rest[0]!.split('%')[0]!)) p.servers.push(rest[0]!);
      else p.invalid.push(rest[0]!);
    } else if (key === 'domain' || key === 'search') {
      if (rest.length > 0) p.search = rest; // only the last one counts
    } else if (key === 'options') p.options.push(...rest);
    else p.other.push(line);
  }
  return p;
}

const isLoopback = (ip: string) => ip === '::1' || /^127\./.test(ip);
const hasNdots = (options: readonly string[]) => options.some((o) => o.split(':')[0] === 'ndots');

/**
 * `host`: the content of the host's file (undefined: there is none). `hostNetwork`: the container shares the
 * host's namespace, so the host's file is used as it is when nothing overrides it (and unfiltered when it does).
 */
export function containerResolvConf(host: string | undefined, dns: DnsSettings, hostNetwork: boolean): string {
  if (hostNetwork && dns.servers.length === 0 && dns.search.length === 0 && dns.options.length === 0) return host ?? '';
  const rc = parse(host ?? '');
  const overrides: string[] = [];
  let ndotsFrom = hasNdots(rc.options) ? 'host' : '';
  if (dns.servers.length > 0) {
    rc.servers = [...dns.servers];
    overrides.push('nameservers');
  }
  if (dns.search.length > 0) {
    rc.search = dns.search.filter((s) => s !== '.');
    overrides.push('search');
  }
  if (dns.options.length > 0) {
    rc.options = [...dns.options];
    ndotsFrom = hasNdots(rc.options) ? 'override' : '';
    overrides.push('options');
  }
  let usedDefaults = false;
  if (!hostNetwork && dns.servers.length === 0) {
    rc.servers = rc.servers.filter((ip) => !isLoopback(ip) && !ip.includes(':'));
    if (rc.servers.length === 0) {
      rc.servers = [...DEFAULT_NAME_SERVERS];
      usedDefaults = true;
    }
  }
  const lines = rc.servers.map((ip) => `nameserver ${ip}`);
  if (rc.search.length > 0) lines.push(`search ${rc.search.join(' ')}`);
  if (rc.options.length > 0) lines.push(`options ${rc.options.join(' ')}`);
  lines.push(...rc.other, '', `# Based on host file: '${HOST_RESOLV_CONF}'${hostNetwork ? '' : ' (legacy)'}`);
  if (usedDefaults) lines.push('# Used default nameservers.');
  if (rc.invalid.length > 0) lines.push(`# Invalid nameservers: [${rc.invalid.join(' ')}]`);
  lines.push(`# Overrides: [${overrides.join(' ')}]`);
  if (ndotsFrom) lines.push(`# Option ndots from: ${ndotsFrom}`);
  return `${lines.join('\n')}\n`;
}

/** The worker's host's resolv.conf; undefined when there is none (Docker then uses its defaults). */
export async function readHostResolvConf(): Promise<string | undefined> {
  try {
    return await fs.readFile(HOST_RESOLV_CONF, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
