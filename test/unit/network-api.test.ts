import { describe, expect, it } from 'vitest';
import { networkFilter, networkPruneInput } from '../../api/convert/network-filters';
import { toConnectBody, toNetworkCreateRequest } from '../../api/convert/network-request';
import { ApiError } from '../../api/http';
import type { NetworkResource } from '../../common/network-api';
import type { ContainerRecord } from '../../common/types';
import { containersOn, prunable, usersOf } from '../../networks/resource';
import { userNetwork } from '../../networks/store';

const net = (name: string, extra: Partial<NetworkResource> = {}): NetworkResource => ({
  ...userNetwork({ Name: name, IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: '10.150.0.0/24' }] } }),
  Containers: {},
  ...extra,
});
const bridge = net('bridge', { Driver: 'bridge' });
const host = net('host', { Driver: 'host' });
const front = net('front', { Labels: { app: 'web', tier: 'front' } });
const back = net('back', {
  Containers: { c: { Name: 'c', EndpointID: 'e', MacAddress: '', IPv4Address: '10.1.0.2/24', IPv6Address: '' } },
});
const all = [bridge, host, front, back];

const pick = (filters: Record<string, string[]>) =>
  all.filter(networkFilter(new URLSearchParams({ filters: JSON.stringify(filters) }))).map((n) => n.Name);

const apiError = (fn: () => unknown): ApiError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
};

describe('GET /networks filters', () => {
  it("name, id, driver, label, type and dangling as Docker's daemon applies them", () => {
    expect(pick({})).toEqual(['bridge', 'host', 'front', 'back']);
    expect(pick({ name: ['ro'] })).toEqual(['front']);
    expect(pick({ name: ['^b'] })).toEqual(['bridge', 'back']);
    expect(pick({ id: [front.Id.slice(0, 6)] })).toEqual(['front']);
    expect(pick({ driver: ['host'] })).toEqual(['host']);
    expect(pick({ label: ['app'] })).toEqual(['front']);
    expect(pick({ label: ['app=web', 'tier=back'] })).toEqual([]);
    expect(pick({ type: ['custom'] })).toEqual(['front', 'back']);
    expect(pick({ type: ['builtin'] })).toEqual(['bridge', 'host']);
    expect(pick({ dangling: ['true'] })).toEqual(['front']);
    expect(pick({ dangling: ['0'] })).toEqual(['bridge', 'host', 'back']);
  });

  it('a bad filter is a 400', () => {
    expect(apiError(() => pick({ type: ['odd'] })).message).toBe("invalid filter: 'type'='odd'");
    expect(apiError(() => pick({ dangling: ['maybe'] })).status).toBe(400);
    expect(apiError(() => pick({ until: ['1h'] })).message).toBe("invalid filter 'until'");
  });

  it("prune's filters", () => {
    const q = new URLSearchParams({ filters: JSON.stringify({ label: ['a'], 'label!': ['b=1'], until: ['1h'] }) });
    expect(networkPruneInput(q, Date.parse('2026-01-01T01:00:00Z'))).toEqual({
      labels: ['a'],
      labelsNot: ['b=1'],
      until: '2026-01-01T00:00:00.000Z',
    });
    expect(prunable(front, false, { labels: ['app=web'] })).toBe(true);
    expect(prunable(front, false, { labelsNot: ['tier'] })).toBe(false);
    expect(prunable(front, true, {})).toBe(false);
    expect(prunable(bridge, false, {})).toBe(false);
  });
});

describe('network bodies', () => {
  it("the docker CLI's create body", () => {
    const body = {
      Driver: 'bridge',
      Scope: '',
      IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: '10.150.0.0/24', Gateway: '10.150.0.254' }] },
      Internal: true,
      Attachable: false,
      Ingress: false,
      ConfigOnly: false,
      ConfigFrom: null,
      Options: {},
      Labels: { a: 'b' },
      Name: 'n',
    };
    expect(toNetworkCreateRequest(body)).toEqual({
      Name: 'n',
      Driver: 'bridge',
      Internal: true,
      Labels: { a: 'b' },
      IPAM: { Driver: 'default', Config: [{ Subnet: '10.150.0.0/24', Gateway: '10.150.0.254' }] },
    });
    expect(apiError(() => toNetworkCreateRequest({ ...body, Ingress: true })).message).toBe(
      'container-saga does not support Ingress',
    );
    expect(apiError(() => toNetworkCreateRequest({ ...body, Subnet: 'x' })).status).toBe(400);
  });

  it("a connect's body", () => {
    expect(
      toConnectBody({
        Container: 'c',
        EndpointConfig: { IPAMConfig: { IPv4Address: '10.0.0.2' }, Links: null, Aliases: ['a'], MacAddress: '' },
      }),
    ).toEqual({ container: 'c', config: { Aliases: ['a'], IPAMConfig: { IPv4Address: '10.0.0.2' } } });
    expect(toConnectBody({ Container: 'c' })).toEqual({ container: 'c' });
    expect(apiError(() => toConnectBody({})).message).toBe('no container specified to connect to network');
    expect(apiError(() => toConnectBody({ Container: 'c', EndpointConfig: { MacAddress: 'x' } })).status).toBe(400);
  });
});

describe("a network's containers", () => {
  const rec = (id: string, running: boolean, ip: string, starting = false) =>
    ({
      Id: id,
      Name: `/${id}`,
      State: { Running: running },
      ...(starting ? { StartingBy: { workflowId: 'w', runId: 'r' } } : {}),
      NetworkSettings: {
        Networks: {
          front: { NetworkID: front.Id, EndpointID: `ep-${id}`, MacAddress: 'm', IPAddress: ip, IPPrefixLen: 24 },
        },
      },
    }) as unknown as ContainerRecord;

  it('running ones are listed with ip/len; a start in progress counts as in use', () => {
    const recs = [rec('a', true, '10.150.0.2'), rec('b', false, ''), rec('c', false, '', true)];
    expect(containersOn(front, recs)).toEqual({
      a: { Name: 'a', EndpointID: 'ep-a', MacAddress: 'm', IPv4Address: '10.150.0.2/24', IPv6Address: '' },
    });
    expect(usersOf(front, recs).map((r) => r.Id)).toEqual(['a', 'c']);
    expect(usersOf(back, recs)).toEqual([]);
  });
});
