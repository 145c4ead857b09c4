import { describe, expect, it } from 'vitest';
import {
  checkPortBindings,
  displayPorts,
  isIpAddress,
  parsePublish,
  portMap,
  portRequests,
  summaryPorts,
} from '../../common/ports';

describe('-p as the docker CLI parses it (nat.ParsePortSpecs)', () => {
  it.each<[string[], Record<string, Array<{ HostIp: string; HostPort: string }>>]>([
    [['80'], { '80/tcp': [{ HostIp: '', HostPort: '' }] }],
    [['8080:80'], { '80/tcp': [{ HostIp: '', HostPort: '8080' }] }],
    [['127.0.0.1::8080'], { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] }],
    [['127.0.0.1:9000:53/udp'], { '53/udp': [{ HostIp: '127.0.0.1', HostPort: '9000' }] }],
    [['[::1]:9000:80'], { '80/tcp': [{ HostIp: '::1', HostPort: '9000' }] }],
    [['80/'], { '80/tcp': [{ HostIp: '', HostPort: '' }] }],
    [
      ['8000-8002:80-82'],
      {
        '80/tcp': [{ HostIp: '', HostPort: '8000' }],
        '81/tcp': [{ HostIp: '', HostPort: '8001' }],
        '82/tcp': [{ HostIp: '', HostPort: '8002' }],
      },
    ],
    [['8000-8010:80'], { '80/tcp': [{ HostIp: '', HostPort: '8000-8010' }] }],
    [['80-81'], { '80/tcp': [{ HostIp: '', HostPort: '' }], '81/tcp': [{ HostIp: '', HostPort: '' }] }],
    [
      ['8080:80', '127.0.0.1:8081:80'],
      {
        '80/tcp': [
          { HostIp: '', HostPort: '8080' },
          { HostIp: '127.0.0.1', HostPort: '8081' },
        ],
      },
    ],
  ])('%j', (specs, want) => expect(parsePublish(specs)).toEqual(want));

  it.each([
    ['65536', 'invalid containerPort: 65536'],
    ['0', 'invalid containerPort: 0'],
    ['65536:80', 'invalid hostPort: 65536'],
    ['80/xyz', 'invalid proto: xyz'],
    ['1.2.3:80:80', 'invalid IP address: 1.2.3'],
    ['300.1.1.1:80:80', 'invalid IP address: 300.1.1.1'],
    ['8000-8001:80-82', 'invalid ranges specified for container and host Ports: 80-82 and 8000-8001'],
    ['82-80', 'invalid containerPort: 82-80'],
    ['8080:', 'no port specified: 8080:<empty>'],
    ['abc', 'invalid containerPort: abc'],
  ])('%s → %s', (spec, message) => expect(() => parsePublish([spec])).toThrow(new Error(message)));
});

describe('HostConfig.PortBindings as the daemon checks it', () => {
  it('normalizes keys and defaults', () => {
    expect(checkPortBindings({ '80': [{ HostIp: '[::1]', HostPort: '8080' }], '53/udp': [] })).toEqual({
      '80/tcp': [{ HostIp: '::1', HostPort: '8080' }],
      '53/udp': [],
    });
  });
  it.each([
    [{ '65536/tcp': [] }, 'invalid port specification: "65536"'],
    [{ '0/tcp': [] }, 'invalid port specification: "0"'],
    [{ '80/tcp': [{ HostIp: '', HostPort: '70000' }] }, 'invalid port specification: "70000"'],
    [{ '80/tcp': [{ HostIp: 'nope', HostPort: '80' }] }, 'invalid IP address: nope'],
  ])('%j → %s', (map, message) => expect(() => checkPortBindings(map)).toThrow(new Error(message)));
});

describe('what a start publishes', () => {
  const exposed = { '80/tcp': {}, '443/tcp': {}, '53/udp': {} };
  it('-p bindings only, without -P', () => {
    expect(portRequests(exposed, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8000-8010' }] }, false)).toEqual([
      { key: '80/tcp', port: 80, proto: 'tcp', hostIp: '127.0.0.1', hostPorts: [8000, 8010] },
    ]);
  });
  it('-P adds an ephemeral port for every exposed port without a binding', () => {
    const reqs = portRequests(exposed, { '80/tcp': [{ HostIp: '', HostPort: '8080' }] }, true);
    expect(reqs.map((r) => [r.key, r.hostPorts])).toEqual([
      ['80/tcp', [8080, 8080]],
      ['443/tcp', [0, 0]],
      ['53/udp', [0, 0]],
    ]);
  });
  it('Ports: every exposed port, null when unpublished; the summary and ps PORTS from it', () => {
    const map = portMap(exposed, [
      { key: '80/tcp', HostIp: '0.0.0.0', HostPort: '8080' },
      { key: '81/tcp', HostIp: '0.0.0.0', HostPort: '8081' },
    ]);
    expect(map).toEqual({
      '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }],
      '81/tcp': [{ HostIp: '0.0.0.0', HostPort: '8081' }],
      '443/tcp': null,
      '53/udp': null,
    });
    expect(summaryPorts(map)).toEqual([
      { PrivatePort: 53, Type: 'udp' },
      { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
      { IP: '0.0.0.0', PrivatePort: 81, PublicPort: 8081, Type: 'tcp' },
      { PrivatePort: 443, Type: 'tcp' },
    ]);
    expect(displayPorts(summaryPorts(map))).toBe('53/udp, 0.0.0.0:8080-8081->80-81/tcp, 443/tcp');
  });
});

it.each([
  ['127.0.0.1', true],
  ['0.0.0.0', true],
  ['::', true],
  ['::1', true],
  ['fe80::1:2', true],
  ['::ffff:10.0.0.1', true],
  ['1:2:3:4:5:6:7:8', true],
  ['1.2.3', false],
  ['256.1.1.1', false],
  ['1::2::3', false],
  ['localhost', false],
])('isIpAddress(%s) = %s', (ip, ok) => expect(isIpAddress(ip)).toBe(ok));
