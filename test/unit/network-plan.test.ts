/** networks/create.ts (Docker's network create checks and pool allocation), host routes, foreign subnets. */
import { describe, expect, it } from 'vitest';
import { parseCidr } from '../../common/cidr';
import { ContainerError } from '../../common/errors';
import type { NetworkCreateRequest, NetworkRecord } from '../../common/network-types';
import { planNetwork } from '../../networks/create';
import { parseRoutes } from '../../networks/host-routes';
import { userNetwork } from '../../networks/store';
import { foreignSubnets } from '../../runtime/network-verbs';

const net = (Name: string, Subnet: string): NetworkRecord =>
  userNetwork({ Name, IPAM: { Driver: 'default', Options: null, Config: [{ Subnet, Gateway: '' }] } });
const EXISTING = [net('bridge', '10.88.0.0/16'), net('front', '172.17.0.0/16')];
const cidr = (s: string) => parseCidr(s)!;

function refused(req: NetworkCreateRequest, routes = [] as ReturnType<typeof cidr>[]): ContainerError {
  try {
    planNetwork(req, EXISTING, routes);
  } catch (err) {
    if (err instanceof ContainerError) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('planNetwork', () => {
  it('takes the first default pool nothing overlaps: networks, host routes, foreign devices', () => {
    expect(planNetwork({ Name: 'a' }, EXISTING, []).IPAM.Config).toEqual([
      { Subnet: '172.18.0.0/16', Gateway: '172.18.0.1' },
    ]);
    expect(planNetwork({ Name: 'a' }, EXISTING, [cidr('172.18.5.0/24')]).IPAM.Config[0]!.Subnet).toBe('172.19.0.0/16');
    const foreign = [{ cidr: cidr('172.16.0.0/12'), device: 'br-0123456789ab' }];
    expect(planNetwork({ Name: 'a' }, EXISTING, [], foreign).IPAM.Config[0]!.Subnet).toBe('192.168.0.0/20');
  });

  it('keeps a given subnet, gateway and range; labels, internal', () => {
    const n = planNetwork(
      {
        Name: 'b',
        Internal: true,
        Labels: { app: 'x' },
        IPAM: { Config: [{ Subnet: '10.150.0.0/24', Gateway: '10.150.0.254', IPRange: '10.150.0.128/25' }] },
      },
      EXISTING,
      [],
    );
    expect(n).toMatchObject({ Name: 'b', Driver: 'bridge', Internal: true, Labels: { app: 'x' } });
    expect(n.IPAM.Config).toEqual([{ Subnet: '10.150.0.0/24', Gateway: '10.150.0.254', IPRange: '10.150.0.128/25' }]);
    expect(n.Id).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each<[string, NetworkCreateRequest, number, string | RegExp]>([
    ['a taken name', { Name: 'front' }, 409, 'network with name front already exists'],
    ['a predefined name', { Name: 'host' }, 403, 'host is a pre-defined network and cannot be created'],
    ['an empty name', { Name: '' }, 400, "network name can't be empty"],
    ['a bad name', { Name: 'a b' }, 400, /invalid network name "a b"/],
    ['the host driver', { Name: 'x', Driver: 'host' }, 403, 'only one instance of "host" network is allowed'],
    ['an unknown driver', { Name: 'x', Driver: 'overlay' }, 404, 'plugin "overlay" not found'],
    [
      'a bad CIDR',
      { Name: 'x', IPAM: { Config: [{ Subnet: '10.1.0.0/33' }] } },
      400,
      'invalid CIDR address: 10.1.0.0/33',
    ],
    [
      'host bits set',
      { Name: 'x', IPAM: { Config: [{ Subnet: '10.1.2.3/16' }] } },
      400,
      'invalid subnet 10.1.2.3/16 : it should be 10.1.0.0/16',
    ],
    [
      'a gateway outside',
      { Name: 'x', IPAM: { Config: [{ Subnet: '10.1.0.0/16', Gateway: '10.2.0.1' }] } },
      400,
      'no matching subnet for gateway 10.2.0.1',
    ],
    [
      'an overlap with a network',
      { Name: 'x', IPAM: { Config: [{ Subnet: '172.17.3.0/24' }] } },
      403,
      'Pool overlaps with other one on this address space',
    ],
  ])('%s: Docker’s error', (_what, req, status, message) => {
    const e = refused(req);
    expect(e.status).toBe(status);
    if (typeof message === 'string') expect(e.message).toBe(message);
    else expect(e.message).toMatch(message);
  });

  it('a subnet over one of the host’s routes, or over a foreign device in the bridges’ netns: 400', () => {
    const route = refused({ Name: 'x', IPAM: { Config: [{ Subnet: '192.168.1.0/24' }] } }, [cidr('192.168.0.0/16')]);
    expect([route.status, route.message]).toEqual([
      400,
      "cannot create network x: its subnet 192.168.1.0/24 conflicts with the host's route to 192.168.0.0/16: networks have overlapping IPv4",
    ]);
    expect(() =>
      planNetwork(
        { Name: 'x', IPAM: { Config: [{ Subnet: '10.87.0.0/16' }] } },
        EXISTING,
        [],
        [{ cidr: cidr('10.87.255.252/30'), device: 'uplink0' }],
      ),
    ).toThrow(/overlaps 10\.87\.255\.252\/30 of uplink0 in the host-side network namespace/);
  });
});

describe('foreignSubnets', () => {
  it("drops loopback and the store's own subnets; keeps the uplink's and another root's bridges", () => {
    const side = [
      { device: 'lo', subnet: '127.0.0.1/8' },
      { device: 'cs0', subnet: '10.88.0.1/16' },
      { device: 'uplink0', subnet: '10.87.255.254/30' },
      { device: 'br-0123456789ab', subnet: '172.17.0.1/16' },
      { device: 'br-ba9876543210', subnet: '172.20.0.1/16' },
    ];
    expect(foreignSubnets(side, EXISTING).map((f) => f.device)).toEqual(['uplink0', 'br-ba9876543210']);
  });
});

describe('parseRoutes (/proc/net/route)', () => {
  it('every route but the default, little-endian hex', () => {
    const text = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'eth0\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
      'eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
      'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
    ].join('\n');
    expect(parseRoutes(text)).toEqual([cidr('192.168.0.0/24'), cidr('172.17.0.0/16')]);
  });
});
