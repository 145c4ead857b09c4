/** rmi's rules (images/remove.ts), as Docker's daemon decides them; and removal on a real store with the collector. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContainerError } from '../../common/errors';
import { importImage } from '../../images/import';
import { tagImage } from '../../images/tag';
import { pruneImages } from '../../images/prune';
import {
  chainIds,
  collectDeleted,
  isSingleReference,
  planRemove,
  removeImage,
  type ImageUser,
} from '../../images/remove';
import { sha256, ImageStore } from '../../images/store';

const ID = `sha256:${'ab'.repeat(32)}`;
const SHORT = 'abababababab';
const C1 = 'c1'.repeat(32);
const DIGEST = `sha256:${'d'.repeat(64)}`;
const k = (ref: string) => (ref.includes('/') ? ref : `docker.io/library/${ref}`);
const BB = k('busybox:latest');
const BB1 = k('busybox:1');
const OTHER = k('other:latest');
const BB_DIGEST = k(`busybox@${DIGEST}`);
const stopped: ImageUser[] = [{ id: C1, running: false }];
const running: ImageUser[] = [{ id: C1, running: true }];

function plan(text: string, keys: string[], users: ImageUser[] = [], force = false) {
  return planRemove({ text, id: ID, keys, users, force });
}
function refused(text: string, keys: string[], users: ImageUser[], force = false): string {
  try {
    plan(text, keys, users, force);
  } catch (err) {
    expect(err).toBeInstanceOf(ContainerError);
    expect((err as ContainerError).type).toBe('Conflict');
    return (err as ContainerError).message;
  }
  throw new Error('not refused');
}

describe('rmi rules (planRemove)', () => {
  it.each([
    ['no reference', [], false],
    ['one tag', [BB], true],
    ['a tag and a digest of its repository', [BB, BB_DIGEST], true],
    ['two tags of one repository', [BB, BB1], false],
    ['two repositories', [BB, OTHER], false],
    ['a digest alone', [BB_DIGEST], true],
  ])('isSingleReference: %s', (_what, keys, want) => expect(isSingleReference(keys)).toBe(want));

  it('by tag: untags; the image goes with its last reference', () => {
    expect(plan('busybox:1', [BB, BB1])).toEqual({
      id: ID,
      untag: [BB1],
      remove: false,
      records: [{ Untagged: 'busybox:1' }],
    });
    expect(plan('busybox', [BB]).records).toEqual([{ Untagged: 'busybox:latest' }, { Deleted: ID }]);
    // the repository's digests go with its last tag
    expect(plan('busybox', [BB, BB_DIGEST]).records).toEqual([
      { Untagged: 'busybox:latest' },
      { Untagged: `busybox@${DIGEST}` },
      { Deleted: ID },
    ]);
    // another repository's tag keeps the image
    expect(plan('busybox', [BB, OTHER]).records).toEqual([{ Untagged: 'busybox:latest' }]);
  });

  it('by tag with a container using it: 409 for its last reference unless forced; forced, untagged and kept', () => {
    expect(refused('busybox', [BB], stopped)).toBe(
      `conflict: unable to remove repository reference "busybox" (must force) - container ${C1.slice(0, 12)} is using its referenced image ${SHORT}`,
    );
    expect(refused('busybox', [BB], running)).toContain('unable to remove repository reference');
    // another tag: only that tag goes, no force needed
    expect(plan('busybox:1', [BB, BB1], running).records).toEqual([{ Untagged: 'busybox:1' }]);
    for (const users of [stopped, running])
      expect(plan('busybox', [BB], users, true)).toEqual({
        id: ID,
        untag: [BB],
        remove: false,
        records: [{ Untagged: 'busybox:latest' }],
      });
  });

  it('by ID: deletes with its references when they are one repository, or with force', () => {
    for (const text of [ID, ID.slice(7), SHORT, `sha256:${SHORT}`])
      expect(plan(text, [BB, BB_DIGEST]).records).toEqual([
        { Untagged: 'busybox:latest' },
        { Untagged: `busybox@${DIGEST}` },
        { Deleted: ID },
      ]);
    expect(refused(SHORT, [BB, OTHER], [])).toBe(
      `conflict: unable to delete ${SHORT} (must be forced) - image is referenced in multiple repositories`,
    );
    expect(plan(SHORT, [BB, OTHER], [], true).records).toEqual([
      { Untagged: 'busybox:latest' },
      { Untagged: 'other:latest' },
      { Deleted: ID },
    ]);
    expect(plan(SHORT, []).records).toEqual([{ Deleted: ID }]);
  });

  it('by ID with a container using it: stopped must be forced (then untagged, kept); running cannot be forced', () => {
    const stoppedMsg = `conflict: unable to delete ${SHORT} (must be forced) - image is being used by stopped container ${C1.slice(0, 12)}`;
    const runningMsg = `conflict: unable to delete ${SHORT} (cannot be forced) - image is being used by running container ${C1.slice(0, 12)}`;
    expect(refused(SHORT, [BB], stopped)).toBe(stoppedMsg);
    expect(refused(SHORT, [], stopped)).toBe(stoppedMsg);
    expect(refused(SHORT, [BB], running, true)).toBe(runningMsg);
    expect(refused(SHORT, [BB, OTHER], running, true)).toBe(runningMsg);
    expect(plan(SHORT, [BB, OTHER], stopped, true)).toEqual({
      id: ID,
      untag: [BB, OTHER],
      remove: false,
      records: [{ Untagged: 'busybox:latest' }, { Untagged: 'other:latest' }],
    });
    expect(plan(SHORT, [], stopped, true).records).toEqual([]);
  });

  it("chain IDs: the first layer's diffID, then sha256 of the chain below and the diffID", () => {
    const [a, b] = [`sha256:${'1'.repeat(64)}`, `sha256:${'2'.repeat(64)}`];
    expect(chainIds([a, b])).toEqual([a, sha256(`${a} ${b}`)]);
  });
});

/** Another image over the layers of `base` (its config with another `created`), tagged `key`. */
async function sharing(store: ImageStore, base: string, key: string) {
  const config = { ...(await store.config(base)), created: new Date(Date.now() + 1000).toISOString() };
  const id = await store.putConfig(Buffer.from(JSON.stringify(config)));
  const { layers } = (await store.meta(base))!;
  return store.addImage({ id, layers }, [key]);
}

describe('rmi and prune on a store: the collector removes the layers no image has left', () => {
  let dir: string;
  let store: ImageStore;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-rmi-'));
    store = new ImageStore(path.join(dir, 'store'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  async function rootfs(name: string, content: string): Promise<string> {
    const d = path.join(dir, name);
    await fs.mkdir(d);
    await fs.writeFile(path.join(d, 'f'), content);
    return d;
  }

  it('a layer two images share stays until both are gone; a used image stays', async () => {
    const a = await importImage(store, 'img-a', await rootfs('a', 'same'));
    // names no ID can start with ('b' would be an ID prefix one time in 16, and rmi by ID has other rules)
    // img-b: another config over a's layer (as a pull of an image built on it makes)
    const b = await sharing(store, a.id, 'docker.io/library/img-b:latest');
    const [layer] = a.config.rootfs.diff_ids;
    const none = async () => [] as ImageUser[];
    const events: string[] = [];
    const emit = async (action: string, id: string) => void events.push(`${action} ${id}`);

    const first = await removeImage(store, 'img-a', none, { force: false, emit });
    expect(first.plan.records).toEqual([{ Untagged: 'img-a:latest' }, { Deleted: a.id }]);
    expect(await collectDeleted(store, [first.meta!])).toEqual({ records: [], bytes: 0 });
    expect(store.layers.has(layer!)).toBe(true);
    expect(events).toEqual([`untag ${a.id}`, `delete ${a.id}`]);

    // a dry run changes nothing; a container using b: refused, then forced (untagged, kept)
    const users = async (id: string) => (id === b.id ? [{ id: C1, running: false }] : []);
    await expect(removeImage(store, 'img-b', users, { force: false })).rejects.toThrow(/must force/);
    expect((await removeImage(store, 'img-b', none, { force: false, dryRun: true })).plan.remove).toBe(true);
    expect((await store.list()).map((i) => i.repoTags)).toEqual([['img-b:latest']]);
    const forced = await removeImage(store, 'img-b', users, { force: true });
    expect([forced.plan.remove, forced.meta]).toEqual([false, undefined]);
    expect((await store.list()).map((i) => [i.id, i.repoTags])).toEqual([[b.id, []]]);

    // prune: not while a container uses it; then its layer goes, with its bytes
    expect(await pruneImages(store, { all: false }, new Set([b.id]))).toEqual({
      ImagesDeleted: null,
      SpaceReclaimed: 0,
    });
    const pruned = await pruneImages(store, { all: false }, new Set());
    expect(pruned.ImagesDeleted).toEqual([{ Deleted: b.id }, { Deleted: layer }]);
    expect(pruned.SpaceReclaimed).toBe(b.sizeBytes);
    expect(store.layers.has(layer!)).toBe(false);
    expect(await store.list()).toEqual([]);
    await expect(removeImage(store, 'img-b', none, { force: false })).rejects.toThrow('No such image: img-b:latest');
  });

  it('prune: dangling only by default; -a every unused image, with its tags; label and until filters', async () => {
    const t = await importImage(store, 'tagged', await rootfs('t', 'one'));
    const all = { all: true };
    expect(await pruneImages(store, { all: false }, new Set())).toEqual({ ImagesDeleted: null, SpaceReclaimed: 0 });
    expect(await pruneImages(store, { ...all, labels: ['x'] }, new Set())).toMatchObject({ ImagesDeleted: null });
    expect(await pruneImages(store, { ...all, until: '2000-01-01T00:00:00Z' }, new Set())).toMatchObject({
      ImagesDeleted: null,
    });
    const pruned = await pruneImages(store, all, new Set());
    expect(pruned.ImagesDeleted).toEqual([
      { Untagged: 'tagged:latest' },
      { Deleted: t.id },
      { Deleted: t.config.rootfs.diff_ids[0] },
    ]);
  });

  it('tag: a bad or digest target is a 400 before the source is looked up; a missing source a 404; a tag moves', async () => {
    const a = await importImage(store, 'a', await rootfs('a', 'one'));
    const b = await sharing(store, a.id, 'docker.io/library/b:latest');
    const err = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: ContainerError) => [e.type, e.message],
      );
    expect(await err(tagImage(store, 'nosuch', `x@sha256:${'0'.repeat(64)}`))).toEqual([
      'InvalidParameter',
      'refusing to create a tag with a digest reference',
    ]);
    expect((await err(tagImage(store, 'a', 'Bad:tag')))?.[0]).toBe('InvalidParameter');
    expect(await err(tagImage(store, 'nosuch', 'x'))).toEqual(['NoSuchImage', 'No such image: nosuch:latest']);
    expect(await tagImage(store, a.id.slice(7, 19), 'localhost:5000/team/x:1')).toEqual({
      id: a.id,
      target: 'localhost:5000/team/x:1',
    });
    await tagImage(store, 'b', 'localhost:5000/team/x:1');
    expect((await store.list()).map((i) => [i.id, i.repoTags]).sort()).toEqual(
      [
        [a.id, ['a:latest']],
        [b.id, ['b:latest', 'localhost:5000/team/x:1']],
      ].sort(),
    );
  });
});
