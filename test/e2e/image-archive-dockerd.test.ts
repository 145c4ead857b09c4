/**
 * Our archives against a real Docker daemon (Debian's docker.io 20.10, private: its own roots, netns and cgroup
 * parent, started by scripts/bench/dockerd.ts): `docker load` takes what `image save` writes, and what
 * `docker save` writes loads here. No worker: the image store alone. Needs root; FAILS with the reason without.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArchive } from '../../images/archive-load';
import { saveImages } from '../../images/archive-save';
import { importImage } from '../../images/import';
import { ImageStore } from '../../images/store';
import { DockerCli } from '../../scripts/bench/docker-cli';
import { dockerUnavailable, startDockerd } from '../../scripts/bench/dockerd';
import { Teardown } from '../../scripts/bench/teardown';

const teardown = new Teardown();
let dir: string;
let cli: DockerCli;
let store: ImageStore;
let busyboxId: string;

beforeAll(async () => {
  const why = dockerUnavailable();
  if (why) throw new Error(`a private dockerd cannot run here: ${why}`);
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-archive-dockerd-'));
  teardown.add(`remove ${dir}`, () => fs.rm(dir, { recursive: true, force: true }));
  const daemon = await startDockerd(teardown, {
    netns: 'cs-archive-docker',
    bridgeIp: '10.130.200.1/24',
    cgroupParent: 'cs-archive-docker',
  });
  cli = await DockerCli.make(daemon.socket, path.join(dir, 'docker-config'));
  store = new ImageStore(path.join(dir, 'store'));
  busyboxId = (await importImage(store, 'example.test/saved:v1', 'busybox-static')).id;
}, 120_000);
afterAll(() => teardown.run(), 60_000);

describe('image archives and a real dockerd', () => {
  it('docker load reads our save: same image ID, tag and diff IDs', async () => {
    const file = path.join(dir, 'ours.tar');
    await saveImages(store, ['example.test/saved:v1'], file);
    expect(await cli.ok(['load', '-i', file])).toBe('Loaded image: example.test/saved:v1');
    expect(await cli.ok(['image', 'inspect', '-f', '{{.Id}} {{json .RootFS.Layers}}', 'example.test/saved:v1'])).toBe(
      `${busyboxId} ${JSON.stringify((await store.config(busyboxId)).rootfs.diff_ids)}`,
    );
  });

  it("our load reads docker save's archive (of an image dockerd tagged anew)", async () => {
    await cli.ok(['tag', 'example.test/saved:v1', 'example.test/from-docker:v2']);
    const file = path.join(dir, 'docker.tar');
    await cli.ok(['save', '-o', file, 'example.test/from-docker:v2']);
    const other = new ImageStore(path.join(dir, 'other'));
    const loaded = await loadArchive(other, file, 'from-docker');
    expect(loaded.images).toEqual([{ id: busyboxId, repoTags: ['example.test/from-docker:v2'] }]);
    expect(other.layers.list()).toEqual((await store.config(busyboxId)).rootfs.diff_ids);
  });
});
