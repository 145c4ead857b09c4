import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectJson } from '../../api/convert/container-json';
import { parseCreate, type CreateFlags } from '../../client/parse-create';
import { simulatedRuntime } from '../runtimes';
import { createFlags, tempDirEach } from './helpers';

/**
 * --dns, --dns-search, --dns-option, --add-host and --domainname from the CLI's flags to the record, inspect and
 * the spec the driver is given (the simulated driver's config.json; the Linux one: test/e2e/dns-linux.test.ts).
 */

describe('the CLI flags', () => {
  it('become HostConfig.Dns, DnsSearch, DnsOptions, ExtraHosts (NAME=IP sent as NAME:IP) and the domain name', () => {
    const req = parseCreate(
      createFlags({
        dns: ['192.0.2.53', ' 2001:db8::53'],
        dnsSearch: ['corp.example.'],
        dnsOption: ['ndots:3', 'rotate'],
        addHost: ['api:192.0.2.9', 'gw=host-gateway'],
        domainname: 'example.com',
      }),
      'busybox',
      ['true'],
    );
    expect(req.domainname).toBe('example.com');
    expect(req.hostConfig).toEqual({
      Dns: ['192.0.2.53', '2001:db8::53'],
      DnsSearch: ['corp.example'],
      DnsOptions: ['ndots:3', 'rotate'],
      ExtraHosts: ['api:192.0.2.9', 'gw:host-gateway'],
    });
  });

  it.each<[Partial<CreateFlags>, string]>([
    [{ dns: ['1.2.3'] }, 'invalid argument "1.2.3" for "--dns" flag: IP address is not correctly formatted: 1.2.3'],
    [{ dnsSearch: ['-x'] }, 'invalid argument "-x" for "--dns-search" flag: -x is not a valid domain'],
    [{ addHost: ['x'] }, 'invalid argument "x" for "--add-host" flag: bad format for add-host: "x"'],
    [{ addHost: ['a:1.2'] }, 'invalid argument "a:1.2" for "--add-host" flag: invalid IP address in add-host: "1.2"'],
  ])('%j: a usage error before anything is sent', (over, message) => {
    expect(() => parseCreate(createFlags(over), 'busybox', ['true'])).toThrow(message);
  });
});

describe('create, inspect and the spec (simulated driver)', () => {
  const root = tempDirEach('sim-dns');

  it('a bad address is a 400 that creates nothing', async () => {
    const rt = simulatedRuntime(root.path);
    await expect(rt.create({ image: 'busybox', cmd: ['true'], hostConfig: { Dns: ['x'] } })).rejects.toMatchObject({
      type: 'InvalidParameter',
      message: 'IP address is not correctly formatted: x',
    });
    await expect(
      rt.create({ image: 'busybox', cmd: ['true'], hostConfig: { ExtraHosts: ['a:b'] } }),
    ).rejects.toMatchObject({ type: 'InvalidParameter', message: 'invalid IP address in add-host: "b"' });
    expect(await rt.list()).toEqual([]);
  });

  it('inspect shows them; the spec has the /etc/hosts lines (host-gateway: the gateway), domain and resolv.conf', async () => {
    const rt = simulatedRuntime(root.path);
    const rec = await rt.create({
      image: 'busybox',
      cmd: ['true'],
      hostname: 'web',
      domainname: 'example.com',
      hostConfig: { Dns: ['192.0.2.53'], DnsSearch: ['.'], DnsOptions: ['ndots:1'], ExtraHosts: ['gw:host-gateway'] },
    });
    const json = inspectJson(rec);
    expect(json.Config.Domainname).toBe('example.com');
    expect(json.HostConfig).toMatchObject({
      Dns: ['192.0.2.53'],
      DnsSearch: ['.'],
      DnsOptions: ['ndots:1'],
      ExtraHosts: ['gw:host-gateway'],
    });
    expect(inspectJson(await rt.create({ image: 'busybox', cmd: ['true'] })).HostConfig).toMatchObject({
      Dns: [],
      ExtraHosts: null,
    });
    await rt.acquire('network', { id: rec.Id });
    await rt.acquire('spec', { id: rec.Id, env: [], extraHosts: ['10.88.0.9\tdb'] });
    const spec = JSON.parse(await readFile(path.join(root.path, 'sim', 'bundles', rec.Id, 'config.json'), 'utf8'));
    expect(spec).toMatchObject({
      hostname: 'web',
      domainname: 'example.com',
      extraHosts: ['10.88.0.1\tgw', '10.88.0.9\tdb'],
      dns: { servers: ['192.0.2.53'], search: ['.'], options: ['ndots:1'] },
    });
    expect(spec.resolvConf).toMatch(/^nameserver 192\.0\.2\.53\noptions ndots:1\n/);
    expect(spec.resolvConf).toContain('# Overrides: [nameservers search options]\n');
  });
});
