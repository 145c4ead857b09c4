/** runtime/store.ts StateStore on a temp state root. */
import { spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ContainerEvent, ContainerRecord } from '../../common/types';
import { isPidAlive, sleep } from '../../runtime/fsutil';
import { StateStore } from '../../runtime/store';
import { expectError, hexId, record, rejected, tempDirEach, type ExpectedError } from './helpers';

const root = tempDirEach('store');
let store: StateStore;

beforeEach(async () => {
  store = new StateStore(root.path);
  await store.init();
});

const WEB = record({ Id: hexId('aaaa1111', '1'), Name: '/web', Created: '2024-01-01T00:00:01.000Z' });
const DB = record({ Id: hexId('aaaa2222', '2'), Name: '/db', Created: '2024-01-01T00:00:02.000Z' });
const CACHE = record({ Id: hexId('bbbb3333', '3'), Name: '/cache', Created: '2024-01-01T00:00:03.000Z' });

/** A pid that is certainly dead: a child that ran and was reaped. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  expect(r.pid).toBeGreaterThan(0);
  expect(isPidAlive(r.pid!)).toBe(false);
  return r.pid!;
}

describe('records', () => {
  it('write is atomic (no temp file left behind) and read returns the record', async () => {
    await store.write(WEB);
    expect(await store.read(WEB.Id)).toEqual(WEB);
    expect(await readdir(store.containerDir(WEB.Id))).toEqual(['config.json']);
    expect(JSON.parse(await readFile(path.join(store.containerDir(WEB.Id), 'config.json'), 'utf8'))).toEqual(WEB);
  });

  it('a second write replaces the first', async () => {
    await store.write(WEB);
    await store.write({ ...WEB, Name: '/web2' });
    expect((await store.read(WEB.Id))!.Name).toBe('/web2');
  });

  it('read of a missing record is undefined; get is NoSuchContainer', async () => {
    expect(await store.read(WEB.Id)).toBeUndefined();
    expectError(await rejected(store.get(WEB.Id)), {
      type: 'NoSuchContainer',
      message: `No such container: ${WEB.Id}`,
    });
  });

  it('list is newest first, and empty for a root never initialised', async () => {
    for (const r of [DB, WEB, CACHE]) await store.write(r);
    expect((await store.list()).map((r) => r.Name)).toEqual(['/cache', '/db', '/web']);
    expect(await new StateStore(path.join(root.path, 'nothing-here')).list()).toEqual([]);
  });

  it('list skips a container directory without a record (e.g. only a lock)', async () => {
    await store.write(WEB);
    await mkdir(store.containerDir(DB.Id), { recursive: true });
    expect((await store.list()).map((r) => r.Id)).toEqual([WEB.Id]);
  });

  it.each<[string, () => string, ContainerRecord | ExpectedError]>([
    ['full ID', () => WEB.Id, WEB],
    ['name', () => 'db', DB],
    ['name with slash', () => '/cache', CACHE],
    ['unique prefix', () => 'aaaa2', DB],
    ['short ID', () => CACHE.Id.slice(0, 12), CACHE],
    [
      'ambiguous prefix',
      () => 'aaaa',
      { type: 'AmbiguousContainer', message: /^multiple IDs found with provided prefix: aaaa$/i },
    ],
    [
      'missing full ID',
      () => hexId('ffff'),
      { type: 'NoSuchContainer', message: `No such container: ${hexId('ffff')}` },
    ],
    ['missing name', () => 'nosuch', { type: 'NoSuchContainer', message: 'No such container: nosuch' }],
  ])('lookup by %s', async (_what, ref, want) => {
    for (const r of [WEB, DB, CACHE]) await store.write(r);
    if ('type' in want) expectError(await rejected(store.lookup(ref())), want);
    else expect(await store.lookup(ref())).toEqual(want);
  });

  it('update changes the record under its lock and returns it', async () => {
    await store.write(WEB);
    const out = await store.update(WEB.Id, (r) => {
      r.State.ExitCode = 7;
    });
    expect(out.State.ExitCode).toBe(7);
    expect((await store.read(WEB.Id))!.State.ExitCode).toBe(7);
    expect(await readdir(store.containerDir(WEB.Id))).toEqual(['config.json']);
  });

  it('update of a missing record is NoSuchContainer and releases the lock', async () => {
    expectError(await rejected(store.update(WEB.Id, () => {})), {
      type: 'NoSuchContainer',
      message: `No such container: ${WEB.Id}`,
    });
    expect(await readdir(store.containerDir(WEB.Id))).toEqual([]);
  });

  it('delete refuses anything but a full ID, and removes the directory', async () => {
    await store.write(WEB);
    for (const bad of ['', '..', 'aaaa', '../x', WEB.Id.toUpperCase(), `${WEB.Id}/..`]) {
      expectError(await rejected(store.delete(bad)), {
        type: 'Internal',
        message: `refusing to delete a container directory for invalid ID "${bad}"`,
      });
    }
    await store.delete(WEB.Id);
    await expect(stat(store.containerDir(WEB.Id))).rejects.toMatchObject({ code: 'ENOENT' });
    await store.delete(WEB.Id); // idempotent
  });
});

describe('locks', () => {
  it('20 concurrent updates: no lost update', async () => {
    await store.write(WEB);
    await Promise.all(
      Array.from({ length: 20 }, () =>
        store.update(WEB.Id, async (r) => {
          const n = Number(r.Config.Labels.n ?? '0');
          await sleep(1);
          r.Config.Labels.n = String(n + 1);
        }),
      ),
    );
    expect((await store.read(WEB.Id))!.Config.Labels.n).toBe('20');
  });

  it('withLock serializes holders of one lock', async () => {
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        store.withLock(WEB.Id, async () => {
          inside++;
          most = Math.max(most, inside);
          await sleep(5);
          order.push(i);
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect([...order].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('different lock names and different containers do not block each other', async () => {
    let inside = 0;
    let most = 0;
    const hold = async () => {
      inside++;
      most = Math.max(most, inside);
      await sleep(30);
      inside--;
    };
    await Promise.all([
      store.withLock(WEB.Id, hold),
      store.withLock(WEB.Id, hold, '.claim'),
      store.withLock(DB.Id, hold),
    ]);
    expect(most).toBe(3);
  });

  it("returns fn's value, and drops the lock when fn throws", async () => {
    expect(await store.withLock(WEB.Id, async () => 42)).toBe(42);
    await expect(
      store.withLock(WEB.Id, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await readdir(store.containerDir(WEB.Id))).toEqual([]);
    expect(await store.withLock(WEB.Id, async () => 'again')).toBe('again');
  });

  it('a stale lock whose pid is dead is taken over', async () => {
    await mkdir(store.containerDir(WEB.Id), { recursive: true });
    const lock = path.join(store.containerDir(WEB.Id), '.lock');
    await writeFile(lock, String(deadPid()));
    const started = Date.now();
    // the lock now names this process as its holder
    expect(Number.parseInt(await store.withLock(WEB.Id, async () => readFile(lock, 'utf8')), 10)).toBe(process.pid);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await readdir(store.containerDir(WEB.Id))).toEqual([]);
  });

  // A slow disk (or a busy event loop) between creating the lock file and writing the pid into it: the
  // fresh, still-empty lock belongs to a live holder and must not be mistaken for a stale one.
  it('a lock whose holder is still writing its pid is not taken over (no overlap on a slow disk)', async () => {
    const realWriteFile = fsp.writeFile;
    const spy = vi.spyOn(fsp, 'writeFile').mockImplementation(async (...args: Parameters<typeof fsp.writeFile>) => {
      const [file, data, opts] = args;
      if (typeof opts === 'object' && opts !== null && (opts as { flag?: string }).flag === 'wx') {
        const fh = await fsp.open(file as string, 'wx'); // what writeFile does: create, then write
        try {
          await sleep(30);
          await fh.writeFile(data as string);
        } finally {
          await fh.close();
        }
        return;
      }
      return realWriteFile(...args);
    });
    try {
      let inside = 0;
      let most = 0;
      const hold = () =>
        store.withLock(WEB.Id, async () => {
          inside++;
          most = Math.max(most, inside);
          await sleep(20);
          inside--;
        });
      await Promise.all([hold(), hold(), hold()]);
      expect(most).toBe(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('a lock held by a live process is waited for, not taken', async () => {
    await mkdir(store.containerDir(WEB.Id), { recursive: true });
    const lock = path.join(store.containerDir(WEB.Id), '.lock');
    await writeFile(lock, '1'); // pid 1 is alive
    let ran = false;
    const p = store.withLock(WEB.Id, async () => {
      ran = true;
    });
    await sleep(150);
    expect(ran).toBe(false);
    expect(await readFile(lock, 'utf8')).toBe('1');
    await writeFile(lock, ''); // holder gone: stale
    await p;
    expect(ran).toBe(true);
  });
});

describe('events', () => {
  const ev = (action: ContainerEvent['action'], n: number): ContainerEvent => ({
    time: `2024-01-01T00:00:0${n}.000Z`,
    type: 'container',
    action,
    id: WEB.Id,
    name: 'web',
  });

  it('cursor: append 3, read since 0, append 1, read since next gives 1', async () => {
    for (const [i, a] of (['create', 'start', 'die'] as const).entries()) await store.appendEvent(ev(a, i));
    const first = await store.events(0);
    expect(first.events.map((e) => e.action)).toEqual(['create', 'start', 'die']);
    expect(first.next).toBe((await stat(store.eventsPath)).size);
    await store.appendEvent(ev('destroy', 4));
    const second = await store.events(first.next);
    expect(second.events).toEqual([ev('destroy', 4)]);
    expect(second.next).toBeGreaterThan(first.next);
    expect(await store.events(second.next)).toEqual({ events: [], next: second.next, more: false });
  });

  it('a cursor inside a line (a guess, not a `next` given) starts at the next whole line', async () => {
    for (const [i, a] of (['create', 'start', 'die'] as const).entries()) await store.appendEvent(ev(a, i));
    expect((await store.events(4)).events.map((e) => e.action)).toEqual(['start', 'die']);
    const firstLine = (await store.events(0, 1)).next;
    expect((await store.events(firstLine)).events.map((e) => e.action)).toEqual(['start', 'die']);
    expect((await store.events(firstLine - 1)).events.map((e) => e.action)).toEqual(['start', 'die']);
  });

  it('no events file: nothing, cursor 0', async () => {
    expect(await store.events(0)).toEqual({ events: [], next: 0, more: false });
    expect(await store.events(100)).toEqual({ events: [], next: 0, more: false });
  });

  it('pages: at most `limit` bytes of whole lines each, `more` until the last, a longer line whole', async () => {
    const actions = ['create', 'start', 'die', 'destroy', 'create', 'start'] as const;
    for (const [i, a] of actions.entries()) await store.appendEvent(ev(a, i));
    const lineBytes = JSON.stringify(ev('create', 0)).length + 1;
    const seen: string[] = [];
    let cursor = 0;
    let pages = 0;
    for (let more = true; more; pages++) {
      const page = await store.events(cursor, lineBytes * 2 + 5);
      expect(page.events.length).toBeLessThanOrEqual(2);
      seen.push(...page.events.map((e) => e.action));
      cursor = page.next;
      more = page.more;
    }
    expect([seen, pages, cursor]).toEqual([[...actions], 3, (await stat(store.eventsPath)).size]);
    const tiny = await store.events(0, 10); // smaller than one line: that line, whole
    expect([tiny.events.map((e) => e.action), tiny.more]).toEqual([['create'], true]);
  });

  it('a line still being written is not returned until it is whole', async () => {
    await store.appendEvent(ev('create', 0));
    const { next } = await store.events(0);
    const line = JSON.stringify(ev('start', 1));
    await appendFile(store.eventsPath, line.slice(0, 10));
    expect(await store.events(next)).toEqual({ events: [], next, more: false });
    await appendFile(store.eventsPath, `${line.slice(10)}\n`);
    expect((await store.events(next)).events).toEqual([ev('start', 1)]);
  });

  it('a cursor past the end or negative is clamped', async () => {
    await store.appendEvent(ev('create', 0));
    const size = (await stat(store.eventsPath)).size;
    expect(await store.events(size + 1000)).toEqual({ events: [], next: size, more: false });
    expect((await store.events(-5)).events).toHaveLength(1);
  });
});
