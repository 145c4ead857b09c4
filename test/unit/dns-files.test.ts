import { describe, expect, it } from 'vitest';
import {
  checkDnsSearch,
  checkDnsServer,
  checkDnsSettings,
  extraHostLines,
  isIpAddress,
  parseExtraHost,
} from '../../common/dns-options';
import { hostnameFile, hostsFile, ownNames } from '../../runtime/drivers/linux/etc-files';
import { containerResolvConf, HEADER, type DnsSettings } from '../../runtime/resolv-conf';

/**
 * The container's name-resolution files as Docker writes them (libnetwork's internal/resolvconf for a network
 * without an internal resolver, etchosts, updateHostsFile) and the checks of the options (its opts package).
 */

const NONE: DnsSettings = { servers: [], search: [], options: [] };
const HEAD = `${HEADER.join('\n')}\n\n`;
/** The file without Docker's header, which every one starts with. */
const body = (text: string) => {
  expect(text.startsWith(HEAD)).toBe(true);
  return text.slice(HEAD.length);
};
const HOST = [
  '# managed by the host',
  'nameserver 127.0.0.53',
  'nameserver 192.0.2.53',
  'nameserver 2001:db8::53',
  'nameserver ::1',
  'search corp.example lab.example',
  'options edns0 ndots:2',
  'sortlist 10.0.0.0/8',
  '',
].join('\n');

describe('resolv.conf', () => {
  it("keeps the host's routable IPv4 servers, search, options and other lines; drops loopback and IPv6", () => {
    expect(body(containerResolvConf(HOST, NONE, false))).toBe(
      [
        'nameserver 192.0.2.53',
        'search corp.example lab.example',
        'options edns0 ndots:2',
        'sortlist 10.0.0.0/8',
        '',
        "# Based on host file: '/etc/resolv.conf' (legacy)",
        '# Overrides: []',
        '# Option ndots from: host',
        '',
      ].join('\n'),
    );
  });

  it("uses Docker's default servers when only loopback ones are left, or when the host has no file", () => {
    const golden = [
      'nameserver 8.8.8.8',
      'nameserver 8.8.4.4',
      '',
      "# Based on host file: '/etc/resolv.conf' (legacy)",
      '# Used default nameservers.',
      '# Overrides: []',
      '',
    ].join('\n');
    expect(body(containerResolvConf('nameserver 127.0.0.53\n', NONE, false))).toBe(golden);
    expect(body(containerResolvConf(undefined, NONE, false))).toBe(golden);
  });

  it('--dns, --dns-search and --dns-option replace their parts; a --dns server is kept even on loopback', () => {
    const out = containerResolvConf(
      HOST,
      { servers: ['127.0.0.11', '10.0.0.2'], search: ['.'], options: ['rotate'] },
      false,
    );
    expect(body(out).split('\n\n')[0]).toBe(
      'nameserver 127.0.0.11\nnameserver 10.0.0.2\noptions rotate\nsortlist 10.0.0.0/8',
    );
    expect(out).toContain('# Overrides: [nameservers search options]\n');
    const search = containerResolvConf(HOST, { ...NONE, search: ['a.example', 'b.example'] }, false);
    expect(search).toContain('nameserver 192.0.2.53\nsearch a.example b.example\noptions edns0 ndots:2\n');
    expect(containerResolvConf(HOST, { ...NONE, options: ['ndots:5'] }, false)).toContain(
      '# Option ndots from: override\n',
    );
  });

  it("host networking: the host's directives unfiltered (no transform), overrides applied", () => {
    expect(body(containerResolvConf(HOST, NONE, true))).toBe(
      [
        'nameserver 127.0.0.53',
        'nameserver 192.0.2.53',
        'nameserver 2001:db8::53',
        'nameserver ::1',
        'search corp.example lab.example',
        'options edns0 ndots:2',
        'sortlist 10.0.0.0/8',
        '',
        "# Based on host file: '/etc/resolv.conf'",
        '# Overrides: []',
        '# Option ndots from: host',
        '',
      ].join('\n'),
    );
    expect(body(containerResolvConf(undefined, NONE, true))).toBe(
      "\n# Based on host file: '/etc/resolv.conf'\n# Overrides: []\n",
    );
    const out = containerResolvConf(HOST, { ...NONE, search: ['x.example'] }, true);
    expect(body(out)).toMatch(/^nameserver 127\.0\.0\.53\n.*\nsearch x\.example\n/s);
  });

  it('lists what is not an address as invalid, as Docker does', () => {
    expect(containerResolvConf('nameserver dns.example\nnameserver 192.0.2.1\n', NONE, false)).toContain(
      '# Invalid nameservers: [dns.example]\n',
    );
  });
});

describe('hosts and hostname', () => {
  it.each([
    ['web', '', 'web'],
    ['web', 'example.com', 'web.example.com web'],
    ['web.lab', '', 'web.lab web'],
  ])('own line of %s with domain %j: %s', (host, domain, names) => {
    expect(ownNames(host, domain)).toBe(names);
    expect(hostsFile(host, '10.0.0.5', [], domain).trimEnd().split('\n').at(-1)).toBe(`10.0.0.5\t${names}`);
  });

  it('has the extra lines before the own one, and the host name alone in /etc/hostname', () => {
    const lines = hostsFile('web', '10.0.0.5', ['192.0.2.9\tapi', '10.0.0.4\tdb'], 'example.com').split('\n');
    expect(lines.slice(6)).toEqual(['192.0.2.9\tapi', '10.0.0.4\tdb', '10.0.0.5\tweb.example.com web', '']);
    expect(hostnameFile('web')).toBe('web\n');
  });

  it('--add-host lines, host-gateway resolved to the gateway (refused without one, with Docker message)', () => {
    expect(extraHostLines(['api:192.0.2.9', 'gw:host-gateway', 'v6=[2001:db8::1]'], '10.0.0.1')).toEqual([
      '192.0.2.9\tapi',
      '10.0.0.1\tgw',
      '2001:db8::1\tv6',
    ]);
    expect(() => extraHostLines(['gw:host-gateway'], '')).toThrow('unable to derive the IP value for host-gateway');
  });
});

describe('the options checks', () => {
  it.each(['192.0.2.1', '::1', '2001:db8::53', 'fe80::1:2:3:4:5:6', '::ffff:192.0.2.1', '1:2:3:4:5:6:7:8'])(
    '%s is an address',
    (ip) => expect(isIpAddress(ip)).toBe(true),
  );
  it.each(['1.2.3', '256.1.1.1', '01.2.3.4', '1:2:3:4:5:6:7:8:9', '1::2::3', 'dns.example', '', 'fe80::1%eth0'])(
    '%j is not',
    (ip) => expect(isIpAddress(ip)).toBe(false),
  );

  it("--dns, --dns-search and --add-host refuse with Docker's messages", () => {
    expect(checkDnsServer(' 192.0.2.1 ')).toBe('192.0.2.1');
    expect(() => checkDnsServer('1.2.3')).toThrow('IP address is not correctly formatted: 1.2.3');
    expect(checkDnsSearch('example.com.')).toBe('example.com');
    expect(checkDnsSearch('.')).toBe('.');
    expect(() => checkDnsSearch('-bad')).toThrow('-bad is not a valid domain');
    expect(() => checkDnsSearch('123')).toThrow('123 is not a valid domain');
    expect(parseExtraHost('a=::1')).toEqual({ name: 'a', ip: '::1' });
    expect(() => parseExtraHost('x')).toThrow('bad format for add-host: "x"');
    expect(() => parseExtraHost(':1.2.3.4')).toThrow('bad format for add-host: ":1.2.3.4"');
    expect(() => parseExtraHost('a:1.2.3')).toThrow('invalid IP address in add-host: "1.2.3"');
  });

  it('create refuses a bad HostConfig with a 400 (InvalidParameter)', () => {
    expect(() => checkDnsSettings({ Dns: ['nope'] })).toThrow(
      expect.objectContaining({ type: 'InvalidParameter', message: 'IP address is not correctly formatted: nope' }),
    );
    expect(() => checkDnsSettings({ ExtraHosts: ['x'] })).toThrow(
      expect.objectContaining({ type: 'InvalidParameter' }),
    );
    expect(() =>
      checkDnsSettings({ Dns: ['192.0.2.1'], DnsSearch: ['a.example'], ExtraHosts: ['h:host-gateway'] }),
    ).not.toThrow();
  });
});
