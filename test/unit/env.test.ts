/**
 * common/env.ts against Docker: opts.ParseLink, links.Link.ToEnv (daemon/links/links.go),
 * ReplaceOrAppendEnvValues (daemon/container/env.go), CreateDaemonEnvironment and the legacy-link
 * /etc/hosts entries (addLegacyLinks, daemon/container_operations_unix.go).
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PATH_ENV,
  daemonEnv,
  linkEnv,
  linkHostsEntries,
  parseLink,
  replaceOrAppendEnv,
  type LinkTarget,
} from '../../common/env';

describe('parseLink', () => {
  it.each<[string, { name: string; alias: string }]>([
    ['db', { name: 'db', alias: 'db' }],
    ['db:alias', { name: 'db', alias: 'alias' }],
    ['/db:alias', { name: 'db', alias: 'alias' }],
    ['my-db:my-alias', { name: 'my-db', alias: 'my-alias' }],
    // The form Docker stores in HostConfig.Links after create ("/child:/parent/alias"): the alias is the last element.
    ['/db:/web/db', { name: 'db', alias: 'db' }],
  ])('%j', (spec, want) => {
    expect(parseLink(spec)).toEqual(want);
  });

  it.each<[string, string]>([
    ['db:x:y', 'bad format for links: db:x:y'],
    ['', 'empty string specified for links'],
  ])('%j is rejected: %s', (spec, message) => {
    expect(() => parseLink(spec)).toThrow(message);
  });
});

const IP = '172.17.0.2';
const db = (over: Partial<LinkTarget> = {}): LinkTarget => ({
  name: '/db',
  alias: 'db',
  ipAddress: IP,
  exposedPorts: ['5432/tcp', '53/udp'],
  env: ['HOME=/root', 'PATH=/usr/bin', 'PASSWORD=secret'],
  ...over,
});
/** Docker: "order of env-vars is not relevant" (links_test.go compares sorted lists). */
const sorted = (l: string[]) => [...l].sort();

describe('linkEnv (links.Link.ToEnv)', () => {
  it.each<[string, string, LinkTarget, string[]]>([
    [
      'db exposing 5432/tcp and 53/udp: the default port is the first TCP port',
      '/web',
      db(),
      [
        `DB_PORT=tcp://${IP}:5432`,
        `DB_PORT_5432_TCP=tcp://${IP}:5432`,
        `DB_PORT_5432_TCP_ADDR=${IP}`,
        'DB_PORT_5432_TCP_PORT=5432',
        'DB_PORT_5432_TCP_PROTO=tcp',
        `DB_PORT_53_UDP=udp://${IP}:53`,
        `DB_PORT_53_UDP_ADDR=${IP}`,
        'DB_PORT_53_UDP_PORT=53',
        'DB_PORT_53_UDP_PROTO=udp',
        'DB_NAME=/web/db',
        'DB_ENV_PASSWORD=secret',
      ],
    ],
    [
      'parent name without its slash',
      'web',
      db({ exposedPorts: ['5432/tcp'], env: [] }),
      [
        `DB_PORT=tcp://${IP}:5432`,
        `DB_PORT_5432_TCP=tcp://${IP}:5432`,
        `DB_PORT_5432_TCP_ADDR=${IP}`,
        'DB_PORT_5432_TCP_PORT=5432',
        'DB_PORT_5432_TCP_PROTO=tcp',
        'DB_NAME=/web/db',
      ],
    ],
    ['no ports: no DB_PORT at all', '/web', db({ exposedPorts: [] }), ['DB_NAME=/web/db', 'DB_ENV_PASSWORD=secret']],
    [
      'alias with a dash becomes an underscore (links_test TestLinkNaming)',
      '/db',
      db({ name: '/docker-1', alias: 'docker-1', ipAddress: '172.0.17.2', exposedPorts: ['6379/tcp'], env: [] }),
      [
        'DOCKER_1_NAME=/db/docker-1',
        'DOCKER_1_PORT=tcp://172.0.17.2:6379',
        'DOCKER_1_PORT_6379_TCP=tcp://172.0.17.2:6379',
        'DOCKER_1_PORT_6379_TCP_ADDR=172.0.17.2',
        'DOCKER_1_PORT_6379_TCP_PORT=6379',
        'DOCKER_1_PORT_6379_TCP_PROTO=tcp',
      ],
    ],
    [
      'an alias differing from the name names the variables',
      '/web',
      db({ alias: 'pg', exposedPorts: [], env: ['USER=pg'] }),
      ['PG_NAME=/web/pg', 'PG_ENV_USER=pg'],
    ],
    [
      'same port number on tcp and udp: tcp is the default',
      '/web',
      db({ exposedPorts: ['53/udp', '53/tcp'], env: [] }),
      [
        `DB_PORT=tcp://${IP}:53`,
        `DB_PORT_53_TCP=tcp://${IP}:53`,
        `DB_PORT_53_TCP_ADDR=${IP}`,
        'DB_PORT_53_TCP_PORT=53',
        'DB_PORT_53_TCP_PROTO=tcp',
        `DB_PORT_53_UDP=udp://${IP}:53`,
        `DB_PORT_53_UDP_ADDR=${IP}`,
        'DB_PORT_53_UDP_PORT=53',
        'DB_PORT_53_UDP_PROTO=udp',
        'DB_NAME=/web/db',
      ],
    ],
    [
      'env: entries without "=" are skipped, values keep their "=", HOME and PATH are dropped',
      '/web',
      db({ exposedPorts: [], env: ['NOVALUE', 'A=b=c', 'EMPTY=', 'HOME=/h', 'PATH=/p'] }),
      ['DB_NAME=/web/db', 'DB_ENV_A=b=c', 'DB_ENV_EMPTY='],
    ],
    [
      'consecutive ports of one protocol also get the range variables (links_test TestLinkMultipleEnv)',
      '/db',
      db({
        name: '/docker',
        alias: 'docker',
        ipAddress: '172.0.17.2',
        exposedPorts: ['6300/udp', '6379/tcp', '6380/tcp', '6381/tcp', '6382/udp'],
        env: ['PASSWORD=gordon'],
      }),
      [
        'DOCKER_ENV_PASSWORD=gordon',
        'DOCKER_NAME=/db/docker',
        'DOCKER_PORT=tcp://172.0.17.2:6379',
        'DOCKER_PORT_6300_UDP=udp://172.0.17.2:6300',
        'DOCKER_PORT_6300_UDP_ADDR=172.0.17.2',
        'DOCKER_PORT_6300_UDP_PORT=6300',
        'DOCKER_PORT_6300_UDP_PROTO=udp',
        'DOCKER_PORT_6379_TCP=tcp://172.0.17.2:6379',
        'DOCKER_PORT_6379_TCP_ADDR=172.0.17.2',
        'DOCKER_PORT_6379_TCP_END=tcp://172.0.17.2:6381',
        'DOCKER_PORT_6379_TCP_PORT=6379',
        'DOCKER_PORT_6379_TCP_PORT_END=6381',
        'DOCKER_PORT_6379_TCP_PORT_START=6379',
        'DOCKER_PORT_6379_TCP_PROTO=tcp',
        'DOCKER_PORT_6379_TCP_START=tcp://172.0.17.2:6379',
        'DOCKER_PORT_6380_TCP=tcp://172.0.17.2:6380',
        'DOCKER_PORT_6380_TCP_ADDR=172.0.17.2',
        'DOCKER_PORT_6380_TCP_PORT=6380',
        'DOCKER_PORT_6380_TCP_PROTO=tcp',
        'DOCKER_PORT_6381_TCP=tcp://172.0.17.2:6381',
        'DOCKER_PORT_6381_TCP_ADDR=172.0.17.2',
        'DOCKER_PORT_6381_TCP_PORT=6381',
        'DOCKER_PORT_6381_TCP_PROTO=tcp',
        'DOCKER_PORT_6382_UDP=udp://172.0.17.2:6382',
        'DOCKER_PORT_6382_UDP_ADDR=172.0.17.2',
        'DOCKER_PORT_6382_UDP_PORT=6382',
        'DOCKER_PORT_6382_UDP_PROTO=udp',
      ],
    ],
  ])('%s', (_what, parent, target, want) => {
    expect(sorted(linkEnv(parent, target))).toEqual(sorted(want));
  });

  it("does not reorder the caller's port list", () => {
    const t = db();
    linkEnv('/web', t);
    expect(t.exposedPorts).toEqual(['5432/tcp', '53/udp']);
  });
});

describe('replaceOrAppendEnv (ReplaceOrAppendEnvValues)', () => {
  it.each<[string[], string[], string[]]>([
    [[], [], []],
    [['A=1', 'B=2'], [], ['A=1', 'B=2']],
    [[], ['X=1'], ['X=1']],
    [['A=1', 'B=2'], ['A=3'], ['A=3', 'B=2']],
    [['A=1'], ['C=3'], ['A=1', 'C=3']],
    [
      ['A=1', 'B=2'],
      ['B=', 'C=3', 'A=9'],
      ['A=9', 'B=', 'C=3'],
    ],
    [['A=1'], ['a=2'], ['A=1', 'a=2']],
    [['A=1'], ['A=x=y'], ['A=x=y']],
    // Docker: an override without "=" unsets the variable, and is never appended.
    [['A=1', 'B=2'], ['A'], ['B=2']],
    [['A=1'], ['C'], ['A=1']],
  ])('%j + %j → %j', (defaults, overrides, want) => {
    expect(replaceOrAppendEnv(defaults, overrides)).toEqual(want);
  });

  it('leaves its inputs alone', () => {
    const defaults = ['A=1', 'B=2'];
    const overrides = ['A=3', 'C=4'];
    replaceOrAppendEnv(defaults, overrides);
    expect(defaults).toEqual(['A=1', 'B=2']);
    expect(overrides).toEqual(['A=3', 'C=4']);
  });
});

describe('daemonEnv (CreateDaemonEnvironment)', () => {
  const base = { hostname: 'h1', tty: false, linkedEnv: [] as string[], userEnv: [] as string[] };
  it.each<[string, Partial<typeof base>, string[]]>([
    ['PATH and HOSTNAME only', {}, [DEFAULT_PATH_ENV, 'HOSTNAME=h1']],
    ['TERM=xterm with a tty', { tty: true }, [DEFAULT_PATH_ENV, 'HOSTNAME=h1', 'TERM=xterm']],
    ['user PATH overrides the default in place', { userEnv: ['PATH=/custom'] }, ['PATH=/custom', 'HOSTNAME=h1']],
    ['user HOSTNAME overrides in place', { userEnv: ['HOSTNAME=other'] }, [DEFAULT_PATH_ENV, 'HOSTNAME=other']],
    [
      'user TERM replaces xterm in place',
      { tty: true, userEnv: ['TERM=vt100', 'X=1'] },
      [DEFAULT_PATH_ENV, 'HOSTNAME=h1', 'TERM=vt100', 'X=1'],
    ],
    ['user TERM without tty is appended', { userEnv: ['TERM=vt100'] }, [DEFAULT_PATH_ENV, 'HOSTNAME=h1', 'TERM=vt100']],
    [
      'link variables after TERM, user variables last',
      { tty: true, linkedEnv: ['DB_NAME=/web/db'], userEnv: ['FOO=1'] },
      [DEFAULT_PATH_ENV, 'HOSTNAME=h1', 'TERM=xterm', 'DB_NAME=/web/db', 'FOO=1'],
    ],
    [
      'user variables override link variables in place',
      { linkedEnv: ['DB_PORT=tcp://a:1', 'DB_NAME=/web/db'], userEnv: ['DB_PORT=mine'] },
      [DEFAULT_PATH_ENV, 'HOSTNAME=h1', 'DB_PORT=mine', 'DB_NAME=/web/db'],
    ],
  ])('%s', (_what, over, want) => {
    expect(daemonEnv({ ...base, ...over })).toEqual(want);
  });

  it("the default PATH is Docker's", () => {
    expect(DEFAULT_PATH_ENV).toBe('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  });
});

describe('linkHostsEntries (addLegacyLinks: "IP\\talias hostname [name]")', () => {
  // Docker also lists the linked container's hostname (child.Config.Hostname); LinkTarget carries it as `hostname`.
  const t = (over: Partial<LinkTarget> & { hostname?: string }): LinkTarget =>
    ({ ...db(), hostname: 'dbhost', ...over }) as LinkTarget;
  it.each<[string, LinkTarget[], string[]]>([
    ['no links', [], []],
    ['alias equals the name', [t({})], [`${IP}\tdb dbhost`]],
    ['alias differs from the name', [t({ alias: 'pg' })], [`${IP}\tpg dbhost db`]],
    [
      'two links, in order',
      [t({}), t({ name: '/cache', alias: 'redis', ipAddress: '172.17.0.3', hostname: 'c1' })],
      [`${IP}\tdb dbhost`, '172.17.0.3\tredis c1 cache'],
    ],
    ['a linked container without an IP gets no line', [t({ ipAddress: '' })], []],
  ])('%s', (_what, targets, want) => {
    expect(linkHostsEntries(targets)).toEqual(want);
  });
});
