import { describe, expect, it } from 'vitest';
import { hostNatRules, linkAddresses, nsNatRules, uplinkNames } from '../../runtime/drivers/linux/uplink';

/** The uplink's names, addresses and nft files (pure); its system work: test/e2e/dns-linux.test.ts. */
describe('the host-side netns uplink', () => {
  it('names its device, table and lock after the netns, short enough for a device name', () => {
    const a = uplinkNames('container-saga-host');
    const b = uplinkNames('cs-dns-host');
    expect(a.hostEnd).toMatch(/^csu[0-9a-f]{8}$/);
    expect(a.hostEnd.length).toBeLessThanOrEqual(15);
    expect(a.hostTable).toBe(`container_saga_up_${a.hostEnd.slice(3)}`);
    expect(a.lock).toBe(`/run/lock/container-saga-uplink-${a.hostEnd.slice(3)}`);
    expect(b.hostEnd).not.toBe(a.hostEnd);
    expect(uplinkNames('cs-dns-host')).toEqual(b);
  });

  it('takes the /30s first address for the host end and the second for the netns end; refuses anything else', () => {
    expect(linkAddresses('10.199.42.4/30')).toEqual({
      network: '10.199.42.4/30',
      hostEnd: '10.199.42.5',
      nsEnd: '10.199.42.6',
    });
    for (const bad of ['10.199.42.2/30', '10.199.42.0/29', '10.199.300.0/30', 'fd00::/126'])
      expect(() => linkAddresses(bad), bad).toThrow(expect.objectContaining({ type: 'InvalidParameter' }));
  });

  it('each nft file replaces its own table in one transaction: masquerade out of uplink0, and of the link on the host', () => {
    expect(nsNatRules()).toBe(
      [
        'table ip container_saga_nat',
        'delete table ip container_saga_nat',
        'table ip container_saga_nat {',
        '  chain postrouting {',
        '    type nat hook postrouting priority srcnat; policy accept;',
        '    oifname "uplink0" masquerade',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    const names = uplinkNames('cs-dns-host');
    const host = hostNatRules(names, '10.199.42.0/30');
    expect(host.split('\n').slice(0, 3)).toEqual([
      `table ip ${names.hostTable}`,
      `delete table ip ${names.hostTable}`,
      `table ip ${names.hostTable} {`,
    ]);
    expect(host).toContain(`ip saddr 10.199.42.0/30 oifname != "${names.hostEnd}" masquerade\n`);
  });
});
