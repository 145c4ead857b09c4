import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { imageList } from '../../client/api';
import { CliError } from '../../client/errors';
import { pruneImages, removeImage, tagImage } from '../../client/image-verbs-api';
import { claimStateRoot } from '../../worker/host-root';
import { startTestWorker, type TestWorker } from '../harness';
import { createOn, importOn, untilLive } from '../hosts-fixture';
import { simulatedRuntime } from '../runtimes';

// The image verbs across two hosts (in-process simulated workers `a` and `b` on one task queue): tag, rmi and
// prune act on every live host that has the image unless one is named; rmi checks every host before any acts.

const HOSTS = ['a', 'b'] as const;
type Host = (typeof HOSTS)[number];
const workers = {} as Record<Host, TestWorker>;
const roots = {} as Record<Host, string>;

beforeAll(async () => {
  const address = inject('temporalAddress');
  for (const h of HOSTS) {
    roots[h] = await fs.mkdtemp(path.join(os.tmpdir(), `cs-imgh-${h}-`));
    await claimStateRoot(roots[h], h);
    workers[h] = await startTestWorker(address, simulatedRuntime(roots[h], { host: h }), {
      identity: `worker-${h}`,
      ...(h === 'b' ? { taskQueue: workers.a.taskQueue } : {}),
    });
  }
  await untilLive(workers.a.session, HOSTS);
}, 120_000);

afterAll(async () => {
  for (const h of HOSTS) await workers[h]?.shutdown();
  for (const h of HOSTS) if (roots[h]) await fs.rm(roots[h], { recursive: true, force: true });
});

const s = () => workers.a.session;
/** each image's tags by host, sorted */
async function tagsByHost(): Promise<string[]> {
  return (await imageList(s())).flatMap((i) => (i.hosts ?? []).map((h) => `${h} ${i.repoTags.join(',')}`)).sort();
}
async function failure(p: Promise<unknown>): Promise<[string, string]> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CliError);
  return [(err as CliError).type, (err as CliError).message];
}

describe('image verbs across hosts (simulated driver)', () => {
  it('tag, rmi and prune on every host with the image or the one named; a conflict on one host changes none', async () => {
    const imported = await importOn(s(), 'shared', 'busybox-static');
    expect(imported.hosts).toEqual(['a', 'b']);
    expect(await tagImage(s(), 'shared', 'copy:1')).toMatchObject({ target: 'copy:1', hosts: ['a', 'b'] });
    expect(await tagImage(s(), 'shared', 'only-a', 'a')).toMatchObject({ hosts: ['a'] });
    expect(await tagsByHost()).toEqual(['a copy:1,only-a:latest,shared:latest', 'b copy:1,shared:latest']);
    expect(await failure(tagImage(s(), 'nosuch', 'x'))).toEqual(['NoSuchImage', 'No such image: nosuch:latest']);
    expect(await failure(tagImage(s(), 'shared', 'x', 'nohost'))).toEqual(['NoSuchHost', 'No such host: nohost']);

    // a stopped container of b's uses its image
    await createOn(s(), { name: 'user-b', image: 'shared', cmd: ['true'] }, 'b');
    // the same answer from both hosts is listed once
    expect(await removeImage(s(), 'copy:1', { force: false })).toEqual([{ Untagged: 'copy:1' }]);
    // a would only untag, b refuses: neither changes
    const [type, message] = await failure(removeImage(s(), 'shared', { force: false }));
    expect([type, message]).toEqual([
      'Conflict',
      expect.stringMatching(/^conflict: unable to remove repository reference "shared" \(must force\) - container /),
    ]);
    expect(await tagsByHost()).toEqual(['a only-a:latest,shared:latest', 'b shared:latest']);
    // only a has it
    expect(await removeImage(s(), 'only-a', { force: false })).toEqual([{ Untagged: 'only-a:latest' }]);
    expect(await failure(removeImage(s(), 'nosuch', { force: false }))).toEqual([
      'NoSuchImage',
      'No such image: nosuch:latest',
    ]);

    // prune -a: a's image goes (no container uses it), b's stays
    const pruned = await pruneImages(s(), { all: true });
    expect(pruned.ImagesDeleted?.slice(0, 2)).toEqual([{ Untagged: 'shared:latest' }, { Deleted: expect.any(String) }]);
    expect(pruned.SpaceReclaimed).toBeGreaterThan(0);
    expect(await tagsByHost()).toEqual(['b shared:latest']);
  });
});
