/** Container records → the Engine API's inspect and list entries, list filters, path and query values. No Temporal. */
import { describe, expect, it } from 'vitest';
import { inspectJson } from '../../api/convert/container-json';
import { containerRef } from '../../api/convert/container-ref';
import { containerSummary, namesOf } from '../../api/convert/container-summary';
const BUSYBOX_ID = `sha256:${'b'.repeat(64)}`;
import { listQuery, selectContainers } from '../../api/convert/list-filters';
import { waitCondition } from '../../api/convert/wait-condition';
import { defaultHostConfig, initialState, type ContainerState } from '../../common/types';
import { apiStatus, hexId, record } from './helpers';

const status = apiStatus;

const NOW = Date.parse('2026-11-30T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;

function running(over: Partial<ContainerState> = {}): ContainerState {
  return { ...initialState(), Status: 'running', Running: true, Pid: 4242, StartedAt: ago(3 * SEC), ...over };
}
function exited(code: number, finishedAgo: number): ContainerState {
  return {
    ...initialState(),
    Status: 'exited',
    ExitCode: code,
    StartedAt: ago(finishedAgo + HOUR),
    FinishedAt: ago(finishedAgo),
  };
}

const web = record({
  Id: hexId('aa'),
  Name: '/web',
  Created: ago(10 * MIN),
  Path: 'sleep',
  Args: ['1000'],
  Image: BUSYBOX_ID,
  Config: {
    Image: 'busybox',
    Cmd: ['sleep', '1000'],
    Env: ['A=1'],
    WorkingDir: '/srv',
    Hostname: 'web',
    Tty: false,
    ExposedPorts: { '80/tcp': {}, '53/udp': {} },
    Labels: { tier: 'front' },
  },
  HostConfig: {
    ...defaultHostConfig(),
    Binds: ['data:/data', '/etc/ssl:/ssl:ro'],
    Links: ['db:database'],
    Tmpfs: { '/run': '' },
  },
  State: running(),
  NetworkSettings: {
    IPAddress: '10.88.0.5',
    IPPrefixLen: 16,
    Gateway: '10.88.0.1',
    MacAddress: '',
    SandboxKey: '/run/netns/x',
  },
  HasBeenStartedBefore: true,
  StartingBy: { workflowId: 'w', runId: 'r' },
  EventKeys: ['start:x'],
  Leftovers: ['netns'],
  HasBeenManuallyStopped: true,
  RestartCount: 2,
  Node: { ID: 'node-1', Name: 'node-1' },
});
const db = record({ Id: hexId('bb'), Name: '/db', Created: ago(20 * MIN), State: exited(0, 2 * 24 * HOUR) });

describe('inspect', () => {
  it("Docker's fields from the record, none of container-saga's own", () => {
    const j = inspectJson(web);
    expect(j).toMatchObject({
      Id: web.Id,
      Name: '/web',
      Path: 'sleep',
      Args: ['1000'],
      RestartCount: 2,
      Image: BUSYBOX_ID,
      ExecIDs: null,
      State: { Status: 'running', Running: true, Pid: 4242, ExitCode: 0, OOMKilled: false },
      // Docker's Node (classic Swarm's): the container's host
      Node: { ID: 'node-1', Name: 'node-1' },
    });
    expect(inspectJson(db)).not.toHaveProperty('Node');
    for (const own of ['StartingBy', 'EventKeys', 'Leftovers', 'HasBeenStartedBefore', 'HasBeenManuallyStopped'])
      expect(j).not.toHaveProperty(own);
  });

  it("Config: the image's PATH first, as Docker merges it; HostConfig with Docker's shown defaults", () => {
    const j = inspectJson(web);
    expect(j.Config).toMatchObject({
      Image: 'busybox',
      Cmd: ['sleep', '1000'],
      Env: [expect.stringMatching(/^PATH=/), 'A=1'],
      WorkingDir: '/srv',
      Labels: { tier: 'front' },
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
    });
    expect(inspectJson(record({ ...web, Config: { ...web.Config, Env: ['PATH=/x'] } })).Config.Env).toEqual([
      'PATH=/x',
    ]);
    expect(j.HostConfig).toMatchObject({
      NetworkMode: 'default',
      IpcMode: 'private',
      ShmSize: 64 * 1024 * 1024,
      Links: ['/db:/web/database'],
      Privileged: false,
      PortBindings: {},
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
      Tmpfs: { '/run': '' },
      PidsLimit: null,
      LogConfig: { Type: 'json-file', Config: {} },
    });
    expect(inspectJson(db).HostConfig).not.toHaveProperty('Tmpfs');
  });

  it('Mounts: binds and named volumes (not tmpfs); NetworkSettings with its one network and open ports while it runs', () => {
    const j = inspectJson(web);
    expect(j.Mounts).toEqual([
      {
        Type: 'volume',
        Name: 'data',
        Source: '',
        Destination: '/data',
        Driver: 'local',
        Mode: 'z',
        RW: true,
        Propagation: '',
      },
      { Type: 'bind', Source: '/etc/ssl', Destination: '/ssl', Mode: 'ro', RW: false, Propagation: 'rprivate' },
    ]);
    expect(j.NetworkSettings).toMatchObject({
      IPAddress: '10.88.0.5',
      Gateway: '10.88.0.1',
      IPPrefixLen: 16,
      SandboxKey: '/run/netns/x',
      Ports: { '53/udp': null, '80/tcp': null },
    });
    expect(j.NetworkSettings.Networks).toEqual({
      bridge: expect.objectContaining({ IPAddress: '10.88.0.5', Gateway: '10.88.0.1', IPPrefixLen: 16 }),
    });
    expect(inspectJson(db).NetworkSettings.Ports).toEqual({});
    const mode = (NetworkMode: string) =>
      Object.keys(
        inspectJson(record({ ...db, HostConfig: { ...db.HostConfig, NetworkMode } })).NetworkSettings.Networks,
      );
    expect([mode(''), mode('default'), mode('bridge'), mode('host'), mode('none'), mode('container:web')]).toEqual([
      ['bridge'],
      ['bridge'],
      ['bridge'],
      ['host'],
      ['none'],
      [],
    ]);
  });
});

describe('list entries', () => {
  it("Docker's types.Container", () => {
    expect(containerSummary(web, [web, db], NOW)).toEqual({
      Id: web.Id,
      Names: ['/web'],
      Image: 'busybox',
      ImageID: BUSYBOX_ID,
      Command: 'sleep 1000',
      Created: Math.floor(Date.parse(web.Created) / 1000),
      Ports: [
        { PrivatePort: 53, Type: 'udp' },
        { PrivatePort: 80, Type: 'tcp' },
      ],
      Labels: { tier: 'front' },
      State: 'running',
      Status: 'Up 3 seconds',
      HostConfig: { NetworkMode: 'default' },
      NetworkSettings: { Networks: { bridge: expect.objectContaining({ IPAddress: '10.88.0.5' }) } },
      Mounts: expect.arrayContaining([expect.objectContaining({ Destination: '/data' })]),
      Node: { ID: 'node-1', Name: 'node-1' },
    });
    expect(containerSummary(db, [web, db], NOW)).toMatchObject({
      Ports: [],
      State: 'exited',
      Status: 'Exited (0) 2 days ago',
    });
  });

  it('Names: its own, then the one each linking container gives it', () => {
    expect(namesOf(db, [web, db])).toEqual(['/db', '/web/database']);
    const other = record({
      Id: hexId('cc'),
      Name: '/api',
      HostConfig: { ...defaultHostConfig(), Links: ['/db', 'gone:x'] },
    });
    expect(namesOf(db, [web, db, other])).toEqual(['/db', '/web/database', '/api/db']);
  });

  it("Status: Docker's State.String() with go-units' human durations", () => {
    const st = (s: ContainerState) => containerSummary(record({ ...db, State: s }), [], NOW).Status;
    expect(st(running({ StartedAt: ago(300) }))).toBe('Up Less than a second');
    expect(st(running({ StartedAt: ago(1 * SEC) }))).toBe('Up 1 second');
    expect(st(running({ StartedAt: ago(59 * SEC) }))).toBe('Up 59 seconds');
    expect(st(running({ StartedAt: ago(90 * SEC) }))).toBe('Up About a minute');
    expect(st(running({ StartedAt: ago(45 * MIN) }))).toBe('Up 45 minutes');
    expect(st(running({ StartedAt: ago(HOUR + 10 * MIN) }))).toBe('Up About an hour');
    expect(st(running({ StartedAt: ago(5 * HOUR) }))).toBe('Up 5 hours');
    expect(st(running({ StartedAt: ago(3 * 7 * 24 * HOUR) }))).toBe('Up 3 weeks');
    expect(st(running({ StartedAt: ago(3 * SEC), Paused: true, Status: 'paused' }))).toBe('Up 3 seconds (Paused)');
    expect(st(exited(137, 2 * MIN))).toBe('Exited (137) 2 minutes ago');
    expect(st({ ...exited(1, 200), Restarting: true, Status: 'restarting' })).toBe(
      'Restarting (1) Less than a second ago',
    );
    expect(st(initialState())).toBe('Created');
    expect(st({ ...initialState(), ExitCode: 128, FinishedAt: ago(SEC), Error: 'failed' })).toBe('Created');
  });
});

describe('list query', () => {
  const paused = record({
    Id: hexId('cd'),
    Name: '/frozen',
    Created: ago(5 * MIN),
    State: running({ Paused: true, Status: 'paused' }),
  });
  const created = record({
    Id: hexId('ce'),
    Name: '/fresh',
    Created: ago(MIN),
    Config: { ...db.Config, Labels: { tier: 'back', team: 'x' } },
  });
  const all = [web, db, paused, created];
  const names = (query: Record<string, string>, filters?: unknown) => {
    const q = new URLSearchParams(query);
    if (filters) q.set('filters', JSON.stringify(filters));
    return selectContainers(all, listQuery(q)).map((r) => r.Name);
  };

  it('running (and paused) ones unless all, newest first; limit includes stopped ones', () => {
    expect(names({})).toEqual(['/frozen', '/web']);
    expect(names({ all: '1' })).toEqual(['/fresh', '/frozen', '/web', '/db']);
    expect(names({ limit: '2' })).toEqual(['/fresh', '/frozen']);
  });

  it('name and id are regular expressions; status, label, exited, ancestor', () => {
    expect(names({ all: '1' }, { name: ['e'] })).toEqual(['/fresh', '/frozen', '/web']);
    expect(names({ all: '1' }, { name: ['^web$'] })).toEqual(['/web']);
    expect(names({ all: '1' }, { name: ['^/db$'] })).toEqual(['/db']);
    expect(names({ all: '1' }, { name: ['(bad'] })).toEqual([]);
    expect(names({ all: '1' }, { id: [hexId('bb').slice(0, 6)] })).toEqual(['/db']);
    expect(names({}, { status: ['exited'] })).toEqual(['/db']);
    expect(names({}, { status: ['created', 'paused'] })).toEqual(['/fresh', '/frozen']);
    expect(names({ all: '1' }, { label: ['tier'] })).toEqual(['/fresh', '/web']);
    expect(names({ all: '1' }, { label: ['tier=back', 'team=x'] })).toEqual(['/fresh']);
    expect(names({ all: '1' }, { label: ['tier=back', 'team=y'] })).toEqual([]);
    expect(names({ all: '1' }, { exited: ['0'] })).toEqual(['/fresh', '/db']);
    expect(names({ all: '1' }, { ancestor: ['busybox:latest'] })).toHaveLength(4);
    // the older encoding of filters: {"name": {"web": true}}
    expect(names({ all: '1' }, { name: { '^web$': true } })).toEqual(['/web']);
  });

  it("bad filters and values are Docker's 400s", () => {
    const q =
      (filters: unknown, extra: Record<string, string> = {}) =>
      () =>
        listQuery(new URLSearchParams({ ...extra, filters: JSON.stringify(filters) }));
    expect(status(q({ bogus: ['x'] }))).toEqual([400, "invalid filter 'bogus'"]);
    expect(status(q({ status: ['sleeping'] }))).toEqual([400, "invalid filter 'status=sleeping'"]);
    expect(status(q({ exited: ['x'] }))).toEqual([400, "invalid filter 'exited=x'"]);
    expect(status(q({}, { all: 'maybe' }))[0]).toBe(400);
    expect(status(q({}, { limit: 'x' }))[0]).toBe(400);
  });
});

describe('path and query values', () => {
  it('a container reference is a name, an ID or a prefix; anything else is a 404 before any workflow', () => {
    for (const ok of ['web', '/web', hexId('ab'), 'abc', 'a..b', 'my_app.1-x']) expect(containerRef(ok)).toBe(ok);
    for (const bad of ['../../etc', '..', '.', 'a/b', '-x', 'a b', 'x\n', ''])
      expect(status(() => containerRef(bad))).toEqual([404, `No such container: ${bad}`]);
  });

  it('wait conditions', () => {
    expect(waitCondition(null)).toBe('not-running');
    expect(waitCondition('')).toBe('not-running');
    expect(waitCondition('next-exit')).toBe('next-exit');
    expect(waitCondition('removed')).toBe('removed');
    expect(status(() => waitCondition('stopped'))).toEqual([400, 'invalid condition: "stopped"']);
  });
});
