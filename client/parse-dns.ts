import { checkDnsSearch, checkDnsServer, parseExtraHost } from '../common/dns-options';
import type { HostConfig } from '../common/types';

/** The name-resolution flags as create's parse takes them. */
export interface DnsFlags {
  dns?: string[];
  dnsSearch?: string[];
  dnsOption?: string[];
  addHost?: string[];
}

type FlagError = (value: string, flag: string, why: string) => never;

/**
 * --dns, --dns-search, --dns-option, --add-host as the docker CLI checks them (its opts validators), each
 * refused as `invalid argument "V" for "--dns" flag: …`. --add-host NAME=IP is sent as NAME:IP, as it sends it.
 */
export function dnsFlags(flags: DnsFlags, bad: FlagError): Partial<HostConfig> {
  const out: Partial<HostConfig> = {};
  const each = (values: string[] | undefined, flag: string, check: (v: string) => string): string[] =>
    (values ?? []).map((v) => {
      try {
        return check(v);
      } catch (err) {
        return bad(v, flag, (err as Error).message);
      }
    });
  const dns = each(flags.dns, '--dns', checkDnsServer);
  if (dns.length > 0) out.Dns = dns;
  const search = each(flags.dnsSearch, '--dns-search', checkDnsSearch);
  if (search.length > 0) out.DnsSearch = search;
  if (flags.dnsOption?.length) out.DnsOptions = [...flags.dnsOption];
  const hosts = each(flags.addHost, '--add-host', (v) => {
    const { name, ip } = parseExtraHost(v);
    return `${name}:${ip}`;
  });
  if (hosts.length > 0) out.ExtraHosts = hosts;
  return out;
}
