/** config/: one default per variable, empty means unset, and bad values fail with the variable's name. */
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, getConfig, isSet, type Config } from '../../config';
import { defaultApiSocketFor, defaultStateRootFor } from '../../config/state-root';

/**
 * Every field's default, with an environment that sets nothing (the state root, API socket and key file depend on the
 * uid: below).
 */
const DEFAULTS: Omit<Config, 'root' | 'apiSocket' | 'codecKeys' | 'temporal'> = {
  address: 'localhost:7233',
  namespace: 'default',
  uiPort: 8233,
  taskQueue: 'container-saga',
  host: os.hostname().split('.')[0]!,
  driver: 'auto',
  simOs: 'linux',
  subnet: '10.88.0.0/16',
  hostNetns: 'container-saga-host',
  uplinkSubnet: '10.87.255.252/30',
  faults: undefined,
  allowFaults: false,
  workflowBundlePath: undefined,
  reconcile: true,
  runc: undefined,
  cniPath: [],
  debug: false,
  noColor: false,
  temporalCli: undefined,
  temporalTestServer: undefined,
  apiTcp: undefined,
  apiServer: { group: undefined, maxStreams: 256 },
  apiInWorker: false,
  codecAddress: { host: '127.0.0.1', port: 8234 },
  codecOrigins: ['http://localhost:8233', 'http://127.0.0.1:8233'],
  codecToken: undefined,
  workerTuning: {},
  shutdownGraceMs: 25_000,
  bindAllow: undefined,
  policyAllow: undefined,
  metrics: undefined,
  usernsRemap: undefined,
};

/** A value for every variable and the field it gives. */
const SET: [string, string, Partial<Config>][] = [
  ['TEMPORAL_ADDRESS', 'temporal:7000', { address: 'temporal:7000' }],
  ['CONTAINER_SAGA_HOST', 'node-a', { host: 'node-a' }],
  ['TEMPORAL_NAMESPACE', 'ns', { namespace: 'ns' }],
  ['TEMPORAL_UI_PORT', '9000', { uiPort: 9000, codecOrigins: ['http://localhost:9000', 'http://127.0.0.1:9000'] }],
  ['CONTAINER_SAGA_TASK_QUEUE', 'q', { taskQueue: 'q' }],
  ['CONTAINER_SAGA_ROOT', '/srv/cs', { root: '/srv/cs' }],
  ['CONTAINER_SAGA_DRIVER', 'simulated', { driver: 'simulated' }],
  ['CONTAINER_SAGA_SIM_OS', 'windows', { simOs: 'windows' }],
  ['CONTAINER_SAGA_SUBNET', '10.99.0.0/16', { subnet: '10.99.0.0/16' }],
  ['CONTAINER_SAGA_HOST_NETNS', 'other-host', { hostNetns: 'other-host' }],
  ['CONTAINER_SAGA_UPLINK_SUBNET', '10.199.42.4/30', { uplinkSubnet: '10.199.42.4/30' }],
  ['CONTAINER_SAGA_FAULTS', 'spec=fail', { faults: 'spec=fail' }],
  ['CONTAINER_SAGA_ALLOW_FAULTS', '1', { allowFaults: true }],
  ['CONTAINER_SAGA_WORKFLOW_BUNDLE', '/tmp/b.js', { workflowBundlePath: '/tmp/b.js' }],
  ['CONTAINER_SAGA_RECONCILE', '0', { reconcile: false }],
  ['CONTAINER_SAGA_RUNC', '/opt/runc', { runc: '/opt/runc' }],
  ['CNI_PATH', '/a::/b', { cniPath: ['/a', '/b'] }],
  ['CONTAINER_SAGA_DEBUG', '1', { debug: true }],
  ['NO_COLOR', '1', { noColor: true }],
  ['TEMPORAL_CLI', '/bin/temporal', { temporalCli: '/bin/temporal' }],
  ['TEMPORAL_TEST_SERVER', '/bin/ts', { temporalTestServer: '/bin/ts' }],
  ['CONTAINER_SAGA_API_SOCKET', '/srv/d.sock', { apiSocket: '/srv/d.sock' }],
  ['CONTAINER_SAGA_API_GROUP', 'docker', { apiServer: { group: 'docker', maxStreams: 256 } }],
  ['CONTAINER_SAGA_API_MAX_STREAMS', '8', { apiServer: { group: undefined, maxStreams: 8 } }],
  ['CONTAINER_SAGA_API', '1', { apiInWorker: true }],
  ['CONTAINER_SAGA_CODEC_KEYS', '/etc/cs/keys.json', { codecKeys: { file: '/etc/cs/keys.json', explicit: true } }],
  ['CONTAINER_SAGA_CODEC_ADDRESS', 'localhost:9999', { codecAddress: { host: 'localhost', port: 9999 } }],
  [
    'CONTAINER_SAGA_CODEC_ORIGINS',
    'https://ui.example, http://127.0.0.1:9',
    { codecOrigins: ['https://ui.example', 'http://127.0.0.1:9'] },
  ],
  ['CONTAINER_SAGA_CODEC_TOKEN', 's3cret', { codecToken: 's3cret' }],
  ['CONTAINER_SAGA_MAX_ACTIVITIES', '8', { workerTuning: { maxConcurrentActivityTaskExecutions: 8 } }],
  ['CONTAINER_SAGA_MAX_LOCAL_ACTIVITIES', '9', { workerTuning: { maxConcurrentLocalActivityExecutions: 9 } }],
  ['CONTAINER_SAGA_MAX_WORKFLOW_TASKS', '10', { workerTuning: { maxConcurrentWorkflowTaskExecutions: 10 } }],
  [
    'CONTAINER_SAGA_ACTIVITY_POLLERS',
    '3',
    { workerTuning: { activityTaskPollerBehavior: { type: 'simple-maximum', maximum: 3 } } },
  ],
  [
    'CONTAINER_SAGA_WORKFLOW_POLLERS',
    'auto',
    { workerTuning: { workflowTaskPollerBehavior: { type: 'autoscaling', minimum: 2, initial: 5, maximum: 100 } } },
  ],
  ['CONTAINER_SAGA_SHUTDOWN_GRACE', '2m', { shutdownGraceMs: 120_000 }],
  ['CONTAINER_SAGA_BIND_ALLOW', '/srv/data::/home/u/', { bindAllow: ['/srv/data', '/home/u'] }],
  [
    'CONTAINER_SAGA_METRICS',
    '127.0.0.1:9464',
    { metrics: { host: '127.0.0.1', port: 9464, bindAddress: '127.0.0.1:9464' } },
  ],
];

describe('getConfig', () => {
  it('gives every default when nothing is set', () => {
    expect(getConfig({})).toMatchObject(DEFAULTS);
  });

  it.each(SET)('%s=%s', (name, value, want) => {
    expect(getConfig({ [name]: value })).toMatchObject({ ...DEFAULTS, ...want });
  });

  it.each(SET)('%s="" counts as unset', (name) => {
    expect(getConfig({ [name]: '' })).toMatchObject(DEFAULTS);
    expect(isSet(name as Parameters<typeof isSet>[0], { [name]: '' })).toBe(false);
  });

  it.each<[string, string, boolean]>([
    ['CONTAINER_SAGA_ALLOW_FAULTS', 'true', false],
    ['CONTAINER_SAGA_ALLOW_FAULTS', '0', false],
    ['CONTAINER_SAGA_RECONCILE', '1', true],
    ['CONTAINER_SAGA_RECONCILE', 'no', true],
  ])('%s=%s is %s (only "1" enables faults, only "0" turns reconcile off)', (name, value, on) => {
    const c = getConfig({ [name]: value });
    expect(name === 'CONTAINER_SAGA_ALLOW_FAULTS' ? c.allowFaults : c.reconcile).toBe(on);
  });

  it('keeps the codec key file in the state root unless CONTAINER_SAGA_CODEC_KEYS names one (made absolute)', () => {
    expect(getConfig({ CONTAINER_SAGA_ROOT: '/srv/cs' }).codecKeys).toEqual({
      file: '/srv/cs/codec-keys.json',
      explicit: false,
    });
    expect(getConfig({ CONTAINER_SAGA_CODEC_KEYS: 'keys.json' }).codecKeys).toEqual({
      file: path.resolve('keys.json'),
      explicit: true,
    });
  });

  it('makes a relative CONTAINER_SAGA_ROOT absolute', () => {
    expect(getConfig({ CONTAINER_SAGA_ROOT: 'state' }).root).toBe(path.resolve('state'));
  });

  it.each<[string, string | undefined, boolean, string]>([
    ['root', undefined, true, '/var/lib/container-saga'],
    ['root ignores XDG_STATE_HOME', '/x', true, '/var/lib/container-saga'],
    ['user with XDG_STATE_HOME', '/x', false, '/x/container-saga'],
    ['user, XDG_STATE_HOME unset', undefined, false, path.join(os.homedir(), '.local/state/container-saga')],
    ['user, relative XDG_STATE_HOME is ignored', 'rel', false, path.join(os.homedir(), '.local/state/container-saga')],
  ])('default state root: %s', (_case, xdg, isRoot, want) => {
    expect(defaultStateRootFor(xdg, isRoot)).toBe(want);
  });

  it.each<[string, string | undefined, boolean, string]>([
    ['root', '/run/user/0', true, '/run/container-saga/docker.sock'],
    ['user with XDG_RUNTIME_DIR', '/run/user/1000', false, '/run/user/1000/container-saga/docker.sock'],
    [
      'user, XDG_RUNTIME_DIR unset',
      undefined,
      false,
      path.join(os.tmpdir(), `container-saga-${process.getuid?.()}`, 'container-saga/docker.sock'),
    ],
  ])('default API socket: %s', (_case, xdg, isRoot, want) => {
    expect(defaultApiSocketFor(xdg, isRoot)).toBe(want);
  });

  it.each<[string, string, keyof Config, RegExp]>([
    ['CONTAINER_SAGA_API_TCP', '2375', 'apiTcp', /^CONTAINER_SAGA_API_TCP requires TLS with client certificates/],
    ['CONTAINER_SAGA_API_TCP', 'evil.example:2375', 'apiTcp', /^CONTAINER_SAGA_API_TCP must be \[HOST:\]PORT/],
    ['CONTAINER_SAGA_API_MAX_STREAMS', '0', 'apiServer', /^CONTAINER_SAGA_API_MAX_STREAMS must be a number/],
    ['CONTAINER_SAGA_API_GROUP', '-x', 'apiServer', /^CONTAINER_SAGA_API_GROUP must be a group name/],
    [
      'CONTAINER_SAGA_CODEC_ADDRESS',
      '0.0.0.0:8234',
      'codecAddress',
      /^CONTAINER_SAGA_CODEC_ADDRESS must be a loopback address/,
    ],
    [
      'CONTAINER_SAGA_HOST',
      'a/b',
      'host',
      /^CONTAINER_SAGA_HOST must be a host name, \[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]\*, at most 63 characters \(got "a\/b"\)$/,
    ],
    [
      'CONTAINER_SAGA_DRIVER',
      'docker',
      'driver',
      /^CONTAINER_SAGA_DRIVER must be simulated, linux or auto \(got "docker"\)$/,
    ],
    [
      'CONTAINER_SAGA_UPLINK_SUBNET',
      '10.0.0.2/30',
      'uplinkSubnet',
      /^CONTAINER_SAGA_UPLINK_SUBNET must be an IPv4 \/30/,
    ],
    [
      'CONTAINER_SAGA_UPLINK_SUBNET',
      '10.0.0.0/24',
      'uplinkSubnet',
      /^CONTAINER_SAGA_UPLINK_SUBNET must be an IPv4 \/30/,
    ],
    ['CONTAINER_SAGA_SIM_OS', 'macos', 'simOs', /^CONTAINER_SAGA_SIM_OS must be linux or windows \(got "macos"\)$/],
    ['TEMPORAL_UI_PORT', '80a', 'uiPort', /^TEMPORAL_UI_PORT must be a port number, 1-65535 \(got "80a"\)$/],
    ['TEMPORAL_UI_PORT', '70000', 'uiPort', /^TEMPORAL_UI_PORT must be a port number/],
    [
      'CONTAINER_SAGA_BIND_ALLOW',
      '/srv:data',
      'bindAllow',
      /^CONTAINER_SAGA_BIND_ALLOW must list absolute directories separated by ':' \(got "data"\)$/,
    ],
  ])('%s=%s fails clearly, and only where it is used', (name, value, field, message) => {
    const c = getConfig({ [name]: value });
    expect(() => c[field]).toThrow(ConfigError);
    expect(() => c[field]).toThrow(message);
    // The CLI reads other fields of the same environment and keeps working.
    expect(c.address).toBe('localhost:7233');
  });
});

describe('CONTAINER_SAGA_POLICY_ALLOW', () => {
  const with_ = (value: string) => getConfig({ CONTAINER_SAGA_BIND_ALLOW: '/srv', CONTAINER_SAGA_POLICY_ALLOW: value });

  it('normalises capability names and sorts the entries', () => {
    expect(with_(' host-network, cap:sys_admin,privileged,cap:cap_net_admin, cap:all ,').policyAllow).toEqual([
      'cap:ALL',
      'cap:CAP_NET_ADMIN',
      'cap:CAP_SYS_ADMIN',
      'host-network',
      'privileged',
    ]);
  });

  it('names every unknown entry in one ConfigError', () => {
    expect(() => with_('privileged,cap:FOO,device,host-pid').policyAllow).toThrow(
      /^CONTAINER_SAGA_POLICY_ALLOW has unknown entries "cap:FOO", "device", "host-pid": want privileged, /,
    );
  });

  it('is refused without CONTAINER_SAGA_BIND_ALLOW, which it relaxes', () => {
    const c = getConfig({ CONTAINER_SAGA_POLICY_ALLOW: 'privileged' });
    expect(() => c.policyAllow).toThrow(ConfigError);
    expect(() => c.policyAllow).toThrow(/set CONTAINER_SAGA_BIND_ALLOW too/);
  });
});
