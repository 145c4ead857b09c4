/**
 * save and load across two hosts (simulated driver, in-process workers `a` and `b` on one task queue): a save
 * runs where every image is (404 when no host has one, 409 when no one host has all), a load on every live
 * host, and the Engine API beside one host answers 501 for an image of the other or for no such host.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { imageList } from '../../client/api';
import { imageLoad, imageSave } from '../../client/image-archive';
import { claimStateRoot } from '../../worker/host-root';
import { docker, startTestApi, type TestApi } from '../api-harness';
import { cli, startTestWorker, type TestWorker } from '../harness';
import { importOn, untilLive } from '../hosts-fixture';
import { simulatedRuntime } from '../runtimes';

const HOSTS = ['a', 'b'] as const;
type Host = (typeof HOSTS)[number];
const workers = {} as Record<Host, TestWorker>;
const roots = {} as Record<Host, string>;
let dir: string;
const apis: TestApi[] = [];

beforeAll(async () => {
  const address = inject('temporalAddress');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-archive-hosts-'));
  for (const h of HOSTS) {
    roots[h] = await fs.mkdtemp(path.join(os.tmpdir(), `cs-archive-${h}-`));
    await claimStateRoot(roots[h], h);
    workers[h] = await startTestWorker(address, simulatedRuntime(roots[h], { host: h }), {
      identity: `worker-${h}`,
      ...(h === 'b' ? { taskQueue: workers.a.taskQueue } : {}),
    });
  }
  await untilLive(workers.a.session, HOSTS);
  for (const [name, host] of [
    ['only-a', 'a'],
    ['only-b', 'b'],
    ['only-a2', 'a'],
  ] as const) {
    const src = path.join(dir, name);
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'f'), name);
    await importOn(workers.a.session, name, src, host);
  }
}, 120_000);

afterAll(async () => {
  for (const api of apis) await api.close();
  for (const h of HOSTS) await workers[h]?.shutdown();
  for (const d of [dir, ...Object.values(roots)]) if (d) await fs.rm(d, { recursive: true, force: true });
});

const s = () => workers.a.session;

describe('image save and load across hosts', () => {
  it('save runs on the host that has the images; 404 when none has one, 409 when no one host has all', async () => {
    const file = path.join(dir, 'a.tar');
    expect(await imageSave(s(), ['only-a'], file)).toMatchObject({
      host: 'a',
      images: [{ repoTags: ['only-a:latest'] }],
    });
    await expect(imageSave(s(), ['only-a', 'nosuch'], path.join(dir, 'x.tar'))).rejects.toMatchObject({
      status: 404,
      message: 'No such image: nosuch:latest',
    });
    await expect(imageSave(s(), ['only-a', 'only-b'], path.join(dir, 'x.tar'))).rejects.toMatchObject({
      status: 409,
      message:
        'no one host has all of the images (only-a on a; only-b on b): save them from one host with --host, one archive per host',
    });
    await expect(fs.stat(path.join(dir, 'x.tar'))).rejects.toThrow();
  });

  it('load without --host loads on every live host; with --host on that one', async () => {
    const loaded = await imageLoad(s(), path.join(dir, 'a.tar'));
    expect(loaded).toMatchObject({ hosts: ['a', 'b'], images: [{ repoTags: ['only-a:latest'] }] });
    const img = (await imageList(s())).find((i) => i.repoTags.includes('only-a:latest'));
    expect(img?.hosts?.sort()).toEqual(['a', 'b']);
    const bFile = path.join(dir, 'b.tar');
    await imageSave(s(), ['only-b'], bFile, 'b');
    await expect(imageLoad(s(), bFile, 'nohost')).rejects.toMatchObject({
      status: 404,
      message: 'No such host: nohost',
    });
    await expect(imageLoad(s(), path.join(dir, 'missing.tar'), 'a')).rejects.toMatchObject({
      status: 400,
      message: `archive not found: ${path.join(dir, 'missing.tar')}`,
    });
  });

  it("the Engine API saves only its own host's images: 501 saying where the image is, or that no such host runs", async () => {
    const onB = await startTestApi(workers.a, { CONTAINER_SAGA_ROOT: roots.b, CONTAINER_SAGA_HOST: 'b' });
    apis.push(onB);
    const ok = await docker(onB, ['save', '-o', path.join(dir, 'api-b.tar'), 'only-b']);
    expect([ok.code, ok.stderr]).toEqual([0, '']);
    const other = await docker(onB, ['save', '-o', path.join(dir, 'api-a.tar'), 'only-a2']);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(
      'Error response from daemon: image only-a2 is on host a, not on b: the Engine API spools archives on its own machine',
    );
    const nowhere = await startTestApi(workers.a, { CONTAINER_SAGA_ROOT: dir, CONTAINER_SAGA_HOST: 'elsewhere' });
    apis.push(nowhere);
    const load = await docker(nowhere, ['load', '-i', path.join(dir, 'api-b.tar')]);
    expect(load.code).toBe(1);
    expect(load.stderr).toContain('Error response from daemon: No such host: elsewhere: the Engine API spools');
    expect(await fs.readdir(path.join(dir, 'archive-spool'))).toEqual([]);
  });

  it("the CLI: image save -o, load -i (Docker's lines), a save with no image a usage error", async () => {
    const file = path.join(dir, 'cli.tar');
    const saved = await cli(workers.a, ['image', 'save', '-o', file, '--host', 'a', 'only-a2']);
    expect([saved.code, saved.stdout, saved.stderr]).toEqual([0, '', '']);
    const loaded = await cli(workers.a, ['load', '-i', file, '--host', 'b']);
    expect([loaded.code, loaded.stdout, loaded.stderr]).toEqual([0, 'Loaded image: only-a2:latest\n', '']);
    const usage = await cli(workers.a, ['save', 'only-a2']);
    expect(usage.code).toBe(125);
    expect(usage.stderr).toContain("required option '-o, --output <file>' not specified");
  });
});
