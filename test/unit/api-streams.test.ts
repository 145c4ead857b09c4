/** The Engine API's stream helpers: Docker's event format and filters, the exec store. */
import { describe, expect, it } from 'vitest';
import { EventFilter, toDockerEvent } from '../../api/docker-events';
import { ExecStore } from '../../api/exec-store';
import type { ContainerEvent } from '../../common/types';

const ev = (action: ContainerEvent['action'], extra: Partial<ContainerEvent> = {}): ContainerEvent => ({
  time: '2026-11-30T23:30:01.123Z',
  type: 'container',
  action,
  id: 'a'.repeat(64),
  name: 'web',
  image: 'busybox',
  ...extra,
});

describe('toDockerEvent', () => {
  it("Docker's fields: status/id/from, Type, Action, Actor with image, name, labels and attributes, scope, time, timeNano", () => {
    expect(toDockerEvent(ev('die', { attributes: { exitCode: '3' }, labels: { app: 'x' } }))).toEqual({
      status: 'die',
      id: 'a'.repeat(64),
      from: 'busybox',
      Type: 'container',
      Action: 'die',
      Actor: { ID: 'a'.repeat(64), Attributes: { app: 'x', exitCode: '3', image: 'busybox', name: 'web' } },
      scope: 'local',
      time: Date.parse('2026-11-30T23:30:01Z') / 1000,
      timeNano: Date.parse('2026-11-30T23:30:01.123Z') * 1e6,
    });
  });

  it('exec events carry their command in the Action, as Docker names them; an older event takes its image from create', () => {
    const commands = new Map<string, string>();
    const create = toDockerEvent(ev('exec_create', { attributes: { execID: 'e1', command: 'ls -l' } }), commands);
    expect(create.Action).toBe('exec_create: ls -l');
    expect(create.Actor.Attributes).toEqual({ execID: 'e1', image: 'busybox', name: 'web' });
    expect(toDockerEvent(ev('exec_start', { attributes: { execID: 'e1', pid: '42' } }), commands).Action).toBe(
      'exec_start: ls -l',
    );
    expect(toDockerEvent(ev('create', { image: undefined, attributes: { image: 'old' } })).from).toBe('old');
  });
});

describe('EventFilter (daemon/events/filter.go)', () => {
  const die = toDockerEvent(ev('die', { labels: { app: 'x', tier: 'web' } }));
  const execStart = toDockerEvent(
    ev('exec_start', { attributes: { execID: 'e1', command: 'ls' } }),
    new Map([['e1', 'ls']]),
  );
  const f = (filters: Record<string, string[]>) => new EventFilter(new Map(Object.entries(filters)));

  it.each<[Record<string, string[]>, boolean]>([
    [{}, true],
    [{ container: ['web'] }, true],
    [{ container: ['we'] }, true], // a prefix, as Docker's FuzzyMatch
    [{ container: ['aaaa'] }, true], // an ID prefix
    [{ container: ['db'] }, false],
    [{ container: ['db', 'web'] }, true],
    [{ event: ['die'] }, true],
    [{ event: ['start', 'stop'] }, false],
    [{ type: ['container'] }, true],
    [{ type: ['image'] }, false],
    [{ label: ['app'] }, true],
    [{ label: ['app=x', 'tier=web'] }, true],
    [{ label: ['app=y'] }, false],
    [{ image: ['busybox'] }, true],
    [{ image: ['busybox:latest'] }, false], // ExactMatch: the event names busybox
    [{ image: ['alpine'] }, false],
    [{ scope: ['local'] }, true],
    [{ network: ['bridge'] }, false],
    [{ container: ['web'], event: ['start'] }, false],
  ])('%j → %j', (filters, want) => {
    expect(f(filters).includes(die)).toBe(want);
  });

  it("image=NAME matches an event of NAME:TAG (Docker strips the event's tag)", () => {
    expect(f({ image: ['busybox'] }).includes(toDockerEvent(ev('start', { image: 'busybox:1.36' })))).toBe(true);
  });

  it('event=exec_start matches exec_start: CMD (Docker matches those by prefix)', () => {
    expect(f({ event: ['exec_start'] }).includes(execStart)).toBe(true);
    expect(f({ event: ['exec_die'] }).includes(execStart)).toBe(false);
  });
});

describe('ExecStore', () => {
  const fields = {
    containerId: 'c',
    containerName: 'web',
    cmd: ['true'],
    attachStdout: true,
    attachStderr: true,
    attachStdin: false,
    tty: false,
    detachKeys: Buffer.from([16, 17]),
    detachKeysText: '',
    eventsCursor: 0,
  };

  it('IDs of 64 hex digits, found by full ID only', () => {
    const store = new ExecStore();
    const e = store.add(fields);
    expect(e.id).toMatch(/^[0-9a-f]{64}$/);
    expect(store.get(e.id)).toBe(e);
    expect(store.get(e.id.slice(0, 12))).toBeUndefined();
  });

  it('forgets ended execs after 15 minutes and never-started ones after an hour; running ones stay', () => {
    const store = new ExecStore();
    const t0 = 1_000_000;
    const ended = store.add(fields, t0);
    ended.start = 'starting';
    ended.endedAt = t0;
    const unstarted = store.add(fields, t0);
    const running = store.add(fields, t0);
    running.start = 'starting';
    store.prune(t0 + 16 * 60_000);
    expect([store.get(ended.id), store.get(unstarted.id), store.get(running.id)]).toEqual([
      undefined,
      unstarted,
      running,
    ]);
    store.prune(t0 + 61 * 60_000);
    expect([store.get(unstarted.id), store.get(running.id)]).toEqual([undefined, running]);
  });
});
