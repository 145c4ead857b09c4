/** The volume store and its verbs (volumes/store.ts, verbs.ts) and the API's volume filters. No Temporal. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBody, listFilters, pruneFilters } from '../../api/convert/volume-filters';
import { checkWorkflowInput } from '../../common/input-check';
import { ANONYMOUS_VOLUME_LABEL } from '../../common/volumes-api';
import { VolumeStore } from '../../volumes/store';
import {
  createVolume,
  listVolumes,
  pruneVolumes,
  removeVolume,
  volumeNames,
  type VolumeHolder,
} from '../../volumes/verbs';
import { simulatedRuntime } from '../runtimes';
import { apiStatus, expectError, hexId, rejected, tempDirEach, thrown } from './helpers';

const dir = tempDirEach('volumes');
const C1 = hexId('c1');
const C2 = hexId('c2');

function setup(holders: VolumeHolder[] = []) {
  const store = new VolumeStore(path.join(dir.path, 'volumes'));
  const events: string[] = [];
  const emit = async (action: string, name: string) => void events.push(`${action} ${name}`);
  return { store, events, emit, holders: async () => holders };
}
const holder = (Id: string, ...Binds: string[]): VolumeHolder => ({ Id, HostConfig: { Binds } });

describe('volume store', () => {
  it('create records the volume beside its data; a taken name answers with the volume there is', async () => {
    const { store, events, emit } = setup();
    const v = await createVolume(store, { name: 'data', labels: { app: 'web' } }, emit);
    expect(v).toEqual({
      Name: 'data',
      Driver: 'local',
      Mountpoint: path.join(dir.path, 'volumes', 'data', '_data'),
      CreatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      Labels: { app: 'web' },
      Scope: 'local',
      Options: {},
    });
    expect((await fs.stat(v.Mountpoint)).isDirectory()).toBe(true);
    await fs.writeFile(path.join(v.Mountpoint, 'f'), 'kept');
    const again = await createVolume(store, { name: 'data', labels: { other: '1' } }, emit);
    expect(again).toEqual(v);
    expect(await fs.readFile(path.join(v.Mountpoint, 'f'), 'utf8')).toBe('kept');
    expect(events).toEqual(['create data']);
  });

  it('without a name, a random 64-hex one', async () => {
    const { store, emit } = setup();
    const v = await createVolume(store, {}, emit);
    expect(v.Name).toMatch(/^[0-9a-f]{64}$/);
    expect((await store.list()).map((x) => x.Name)).toEqual([v.Name]);
  });

  it.each([
    [{ name: 'a/b' }, /^create a\/b: "a\/b" includes invalid characters for a local volume name/],
    [{ name: 'x'.repeat(256) }, /^create x{32}…: volume name is too long: at most 255 characters$/],
    [{ name: 'x', driver: 'nfs' }, 'error looking up volume plugin nfs: plugin "nfs" not found'],
    [{ name: 'x', options: { bogus: '1' } }, 'invalid option key: "bogus"'],
    [{ name: 'x', options: { type: 'tmpfs' } }, /volume options \(type\) are not supported here/],
  ])('bad create %j is a 400 and makes nothing', async (input, message) => {
    const { store, emit } = setup();
    expectError(await rejected(createVolume(store, input, emit)), { type: 'InvalidParameter', message });
    expect(await store.list()).toEqual([]);
  });

  it('a directory made before volumes had records is adopted when listed', async () => {
    const { store } = setup();
    await fs.mkdir(path.join(dir.path, 'volumes', 'old', '_data'), { recursive: true });
    const [v] = await store.list();
    expect(v).toMatchObject({ Name: 'old', Driver: 'local', Labels: null, Options: null, Scope: 'local' });
    expect(JSON.parse(await fs.readFile(path.join(dir.path, 'volumes', 'old', 'volume.json'), 'utf8'))).toEqual(v);
  });

  it('get of a missing volume is Docker 404', async () => {
    const { store } = setup();
    expectError(await rejected(store.get('nope')), { type: 'NoSuchVolume', message: 'get nope: no such volume' });
  });

  it('ls filters by name, label, dangling and driver', async () => {
    const { store, emit, holders } = setup([holder(C1, 'web:/data', '/host:/h')]);
    await createVolume(store, { name: 'web', labels: { app: 'a', tier: 'front' } }, emit);
    await createVolume(store, { name: 'db', labels: { app: 'a' } }, emit);
    await createVolume(store, { name: 'cache' }, emit);
    const names = async (f: Parameters<typeof listVolumes>[1]) =>
      (await listVolumes(store, f, holders)).Volumes.map((v) => v.Name);
    expect(await names({})).toEqual(['cache', 'db', 'web']);
    expect(await names({ name: ['e'] })).toEqual(['cache', 'web']);
    expect(await names({ label: ['app=a'] })).toEqual(['db', 'web']);
    expect(await names({ label: ['app', 'tier=front'] })).toEqual(['web']);
    expect(await names({ dangling: true })).toEqual(['cache', 'db']);
    expect(await names({ dangling: false })).toEqual(['web']);
    expect(await names({ driver: ['other'] })).toEqual([]);
  });

  it('rm is refused while any container references the volume, naming them; then removes its directory only', async () => {
    const users = [holder(C1, 'data:/a'), holder(C2, 'data:/b:ro')];
    const { store, emit, events } = setup(users);
    await createVolume(store, { name: 'data' }, emit);
    await createVolume(store, { name: 'other' }, emit);
    for (const force of [false, true])
      expectError(await rejected(removeVolume(store, { name: 'data', force }, async () => users, emit)), {
        type: 'Conflict',
        message: `remove data: volume is in use - [${C1}, ${C2}]`,
      });
    await removeVolume(store, { name: 'data', force: false, dryRun: true }, async () => [], emit);
    expect((await store.list()).map((v) => v.Name)).toEqual(['data', 'other']);
    await removeVolume(store, { name: 'data', force: false }, async () => [], emit);
    expect((await store.list()).map((v) => v.Name)).toEqual(['other']);
    await expect(fs.stat(path.join(dir.path, 'volumes', 'data'))).rejects.toThrow(/ENOENT/);
    expect(events).toEqual(['create data', 'create other', 'destroy data']);
    expectError(await rejected(removeVolume(store, { name: 'data', force: false }, async () => [], emit)), {
      type: 'NoSuchVolume',
      message: 'get data: no such volume',
    });
    await removeVolume(store, { name: 'data', force: true }, async () => [], emit);
  });

  it('a removal waits for a create holding the lock, and then sees its record', async () => {
    const written: VolumeHolder[] = [];
    const { store, emit } = setup();
    await createVolume(store, { name: 'data' }, emit);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const creating = store.locked(async () => {
      await gate;
      written.push(holder(C1, 'data:/d'));
    });
    const removing = removeVolume(store, { name: 'data', force: false }, async () => written, emit);
    release();
    await creating;
    expectError(await rejected(removing), { type: 'Conflict', message: `remove data: volume is in use - [${C1}]` });
  });

  it('the lock holds across two stores on one root (two workers): a removal waits for the other create', async () => {
    const written: VolumeHolder[] = [];
    const { store: a, emit } = setup();
    const b = new VolumeStore(a.root);
    await createVolume(a, { name: 'data' }, emit);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const creating = a.locked(async () => {
      entered();
      await gate;
      written.push(holder(C1, 'data:/d'));
    });
    await inside;
    const removing = removeVolume(b, { name: 'data', force: false }, async () => written, emit);
    await new Promise((r) => setTimeout(r, 50));
    release();
    await creating;
    expectError(await rejected(removing), { type: 'Conflict', message: `remove data: volume is in use - [${C1}]` });
  });

  it("a container create makes its volumes and writes its record under the volumes' lock (a removal sees both)", async () => {
    const rt = simulatedRuntime(dir.path);
    const { emit } = setup();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const held = rt.volumes.locked(async () => {
      entered();
      await gate;
    });
    await inside;
    let created = false;
    const creating = rt
      .create({ image: 'busybox', cmd: ['true'], hostConfig: { Binds: ['held:/d'] } })
      .then((rec) => ((created = true), rec));
    await new Promise((r) => setTimeout(r, 100));
    // the create waits for the lock: no record and no volume yet
    expect([created, await rt.volumes.find('held'), (await rt.list()).length]).toEqual([false, undefined, 0]);
    release();
    await held;
    const rec = await creating;
    expect(await rt.volumes.find('held')).toMatchObject({ Name: 'held', Labels: null, Options: null });
    expectError(await rejected(removeVolume(rt.volumes, { name: 'held', force: false }, () => rt.store.list(), emit)), {
      type: 'Conflict',
      message: `remove held: volume is in use - [${rec.Id}]`,
    });
  });

  it('a removal a crash cut short (renamed away, not yet deleted) is deleted at the next listing', async () => {
    const { store, emit, holders } = setup();
    await createVolume(store, { name: 'gone' }, emit);
    const away = await store.locked(() => store.detach('gone'));
    expect(path.basename(away!)).toMatch(/^\.removing-/);
    expect(await store.list()).toEqual([]);
    await listVolumes(store, {}, holders);
    expect(await fs.readdir(store.root)).toEqual([]);
  });

  it('prune removes unused anonymous volumes, or with all every unused one, and reports the bytes', async () => {
    const { store, emit, holders } = setup([holder(C1, 'used:/u')]);
    await createVolume(store, { name: 'used', labels: { [ANONYMOUS_VOLUME_LABEL]: '' } }, emit);
    await createVolume(store, { name: 'anon', labels: { [ANONYMOUS_VOLUME_LABEL]: '' } }, emit);
    const named = await createVolume(store, { name: 'named', labels: { keep: '1' } }, emit);
    await createVolume(store, { name: 'named2' }, emit);
    await fs.writeFile(path.join(named.Mountpoint, 'f'), 'x'.repeat(1000));
    expect(await pruneVolumes(store, { all: false }, holders, emit)).toEqual({
      VolumesDeleted: ['anon'],
      SpaceReclaimed: 0,
    });
    expect(await pruneVolumes(store, { all: true, labelsNot: ['keep'] }, holders, emit)).toEqual({
      VolumesDeleted: ['named2'],
      SpaceReclaimed: 0,
    });
    expect(await pruneVolumes(store, { all: true }, holders, emit)).toEqual({
      VolumesDeleted: ['named'],
      SpaceReclaimed: 1000,
    });
    expect(await pruneVolumes(store, { all: true }, holders, emit)).toEqual({
      VolumesDeleted: null,
      SpaceReclaimed: 0,
    });
    expect((await store.list()).map((v) => v.Name)).toEqual(['used']);
  });

  it('volumeNames: the named sources of the binds, each once', () => {
    expect(volumeNames({ Binds: ['a:/x', '/h:/y', 'a:/z:ro', 'b:/w'] })).toEqual(['a', 'b']);
  });
});

describe('volume API filters and body', () => {
  const q = (filters: object) => new URLSearchParams({ filters: JSON.stringify(filters) });
  it('ls and prune filters as Docker sends them; bad ones are 400', () => {
    expect(listFilters(q({ label: { 'a=b': true }, dangling: ['true'], name: ['x'] }))).toEqual({
      label: ['a=b'],
      dangling: true,
      name: ['x'],
    });
    expect(pruneFilters(q({ all: ['true'], label: ['k'] }), '1.43')).toEqual({ all: true, labels: ['k'] });
    expect(pruneFilters(new URLSearchParams(), '1.43')).toEqual({ all: false });
    // before 1.42 a prune removed every unused volume: an older client keeps that
    expect(pruneFilters(new URLSearchParams(), '1.41')).toEqual({ all: true });
    expect(pruneFilters(q({ all: ['false'] }), '1.41')).toEqual({ all: false });
    expect(apiStatus(() => listFilters(q({ bogus: ['1'] })))).toEqual([400, "invalid filter 'bogus'"]);
    expect(apiStatus(() => listFilters(q({ dangling: ['maybe'] })))).toEqual([400, "invalid filter 'dangling=maybe'"]);
  });
  it('create body: Docker VolumeCreateOptions; a wrong type is 400', () => {
    expect(createBody({ Name: 'v', Driver: 'local', Labels: { a: 'b' }, DriverOpts: {} })).toEqual({
      name: 'v',
      driver: 'local',
      labels: { a: 'b' },
    });
    expect(apiStatus(() => createBody({ Labels: { a: 1 } }))).toEqual([
      400,
      'invalid JSON: Labels must be an object of strings',
    ]);
  });
});

describe('volume workflow inputs (any Temporal client can start them)', () => {
  it.each([
    ['volumeCreate', { name: 'v', labels: { a: 'b' }, host: 'h1' }, undefined],
    ['volumeCreate', { labels: { a: 1 } }, 'labels.a'],
    ['volumeList', { filters: { label: ['a'], dangling: true } }, undefined],
    ['volumeList', { filters: { bogus: ['a'] } }, 'filters.bogus'],
    ['volumeInspect', { name: 'v' }, undefined],
    ['volumeRemove', { name: 'v' }, 'force'],
    ['volumePrune', { all: 'yes' }, 'all'],
  ] as const)('%s %j', (type, input, badField) => {
    if (badField === undefined) checkWorkflowInput(type, input);
    else expect(thrown(() => checkWorkflowInput(type, input)).message).toContain(badField);
  });
});
