import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect } from 'vitest';
import { imageImport, readEvents } from '../../client/api';
import { linuxApiSuite } from '../api-harness';
import { cli } from '../harness';
import { testNetwork } from '../linux-fixture';

// Docker's own client against the Engine API in front of a Linux-driver worker: the image verbs (tag, images,
// image inspect, history, rmi with its conflicts, image prune) and what rmi leaves on disk: the layers no image
// has left are gone, a layer another image shares stays. Needs root (CI runs as root). Its own netns and subnet.

const suite = linuxApiSuite('cs-imgv', testNetwork('e2e/image-verbs-linux'));
const rootIt = suite.it;
const run = (...args: string[]) => suite.docker(args);
async function ok(...args: string[]): Promise<string> {
  const r = await run(...args);
  expect(r.code, `docker ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}
async function refused(args: string[], message: string): Promise<void> {
  const r = await run(...args);
  expect([r.code, r.stdout, r.stderr.trim()]).toEqual([1, '', `Error response from daemon: ${message}`]);
}
const short = (id: string) => id.slice('sha256:'.length, 'sha256:'.length + 12);
const unix = (ms: number) => (ms / 1000).toFixed(3);
const t0 = Date.now() - 1000;

let busybox = '';

/** Another image over busybox's layer (its config with another `created`), as a pull of an image built on it makes. */
async function sharingBusybox(name: string): Promise<string> {
  const store = suite.rt.images;
  const config = { ...(await store.config(busybox)), created: new Date(Date.now() - 60_000).toISOString() };
  const id = await store.putConfig(Buffer.from(JSON.stringify(config)));
  const { layers } = (await store.meta(busybox))!;
  return (await store.addImage({ id, layers }, [`docker.io/library/${name}:latest`])).id;
}

describe('the image verbs through the docker CLI (Linux driver)', () => {
  rootIt('docker tag, images (columns, -q, --no-trunc, --digests, filters), image inspect, history', async () => {
    busybox = (await ok('image', 'inspect', '--format', '{{.Id}}', 'busybox')).trim();
    expect(busybox).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await ok('tag', 'busybox', 'mybox:1')).toBe('');
    // Docker's client refuses a digest target itself (the host's 400 is test/images/remove.test.ts's)
    const digest = await run('tag', 'busybox', `mybox@sha256:${'0'.repeat(64)}`);
    expect([digest.code, digest.stderr.trim()]).toEqual([1, 'refusing to create a tag with a digest reference']);
    await refused(['tag', 'nosuch', 'x'], 'No such image: nosuch:latest');

    const [head, ...rows] = (await ok('images')).trimEnd().split('\n');
    expect(head).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    expect(rows.map((r) => r.split(/\s{2,}/).slice(0, 3)).sort()).toEqual([
      ['busybox', 'latest', short(busybox)],
      ['mybox', '1', short(busybox)],
    ]);
    // -q prints the short ID of each row, as Docker's does
    expect(await ok('images', '-q')).toBe(`${short(busybox)}\n${short(busybox)}\n`);
    expect(await ok('images', '-q', '--no-trunc', 'mybox')).toBe(`${busybox}\n`);
    expect(await ok('images', '-q', '--filter', 'reference=my*')).toBe(`${short(busybox)}\n`);
    expect(await ok('images', '-q', '--filter', 'dangling=true')).toBe('');
    expect((await ok('images', '--digests')).split('\n')[0]).toMatch(/^REPOSITORY\s+TAG\s+DIGEST\s+IMAGE ID\s/);

    const inspected = JSON.parse(await ok('image', 'inspect', 'mybox:1')) as Array<{ Id: string; RepoTags: string[] }>;
    expect(inspected.map((i) => [i.Id, i.RepoTags])).toEqual([[busybox, ['busybox:latest', 'mybox:1']]]);

    const [hhead, ...hrows] = (await ok('history', 'busybox')).trimEnd().split('\n');
    expect(hhead).toMatch(/^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
    expect(hrows).toHaveLength(1);
    expect(hrows[0]).toMatch(
      new RegExp(
        `^${short(busybox)}\\s+.+ ago\\s+container-saga image import\\s+\\d[\\d.]*[kM]?B\\s+Imported from busybox-static$`,
      ),
    );
    await refused(['history', 'nosuch'], 'No such image: nosuch');
  });

  rootIt('docker rmi: untag, the conflicts of a stopped and a running container, -f', async () => {
    const user = (await ok('create', '--name', 'user', 'busybox', 'true')).trim();
    // another tag: only that tag goes, whatever uses the image
    expect(await ok('rmi', 'mybox:1')).toBe('Untagged: mybox:1\n');
    await refused(
      ['rmi', 'busybox'],
      `conflict: unable to remove repository reference "busybox" (must force) - container ${user.slice(0, 12)} is using its referenced image ${short(busybox)}`,
    );
    await refused(
      ['rmi', short(busybox)],
      `conflict: unable to delete ${short(busybox)} (must be forced) - image is being used by stopped container ${user.slice(0, 12)}`,
    );
    const runner = (await ok('run', '-d', '--name', 'runner', 'busybox', 'sleep', '100')).trim();
    await refused(
      ['rmi', '-f', short(busybox)],
      `conflict: unable to delete ${short(busybox)} (cannot be forced) - image is being used by running container ${runner.slice(0, 12)}`,
    );
    expect(await ok('rm', '-f', 'runner')).toBe('runner\n');
    // Docker's client words a 404 of rmi itself
    const missing = await run('rmi', 'nosuch');
    expect([missing.code, missing.stderr.trim()]).toEqual([1, 'Error: No such image: nosuch']);
  });

  rootIt('docker rmi of an image sharing a layer keeps the layer; of the last image with it removes it', async () => {
    const layer = (await suite.rt.images.meta(busybox))!.layers[0]!.diffID;
    const derived = await sharingBusybox('derived');
    expect(await ok('rmi', 'derived')).toBe(`Untagged: derived:latest\nDeleted: ${derived}\n`);
    expect(suite.rt.images.layers.has(layer)).toBe(true);

    const src = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-imgv-src-'));
    try {
      await fs.writeFile(path.join(src, 'hello'), 'solo\n');
      const solo = await imageImport(suite.w.session, 'solo', src);
      const soloLayer = solo.config.rootfs.diff_ids[0]!;
      const dir = suite.rt.images.layers.diffDir(soloLayer);
      expect(existsSync(dir)).toBe(true);
      expect(await ok('rmi', 'solo')).toBe(`Untagged: solo:latest\nDeleted: ${solo.id}\nDeleted: ${soloLayer}\n`);
      expect(existsSync(dir)).toBe(false);
      expect(existsSync(suite.rt.images.blobPath(soloLayer))).toBe(false);
      expect(existsSync(suite.rt.images.configPath(solo.id))).toBe(false);
    } finally {
      await fs.rm(src, { recursive: true, force: true });
    }
  });

  rootIt('rmi -f past a stopped container only untags; prune removes the image once no container uses it', async () => {
    const layer = (await suite.rt.images.meta(busybox))!.layers[0]!.diffID;
    expect(await ok('rmi', '-f', 'busybox')).toBe('Untagged: busybox:latest\n');
    expect((await ok('images')).trimEnd().split('\n').slice(1)).toEqual([
      expect.stringMatching(new RegExp(`^<none>\\s+<none>\\s+${short(busybox)}\\s`)),
    ]);
    expect(await ok('images', '-q', '-f', 'dangling=true')).toBe(`${short(busybox)}\n`);
    // the container still uses it: prune leaves it
    expect(await ok('image', 'prune', '-f')).toBe('Total reclaimed space: 0B\n');
    expect(await ok('rm', 'user')).toBe('user\n');
    const pruned = await ok('image', 'prune', '-f');
    expect(pruned).toMatch(
      new RegExp(
        `^Deleted Images:\\ndeleted: ${busybox}\\ndeleted: ${layer}\\n\\nTotal reclaimed space: [\\d.]+[kM]B\\n$`,
      ),
    );
    expect(suite.rt.images.layers.has(layer)).toBe(false);
    expect(await ok('images', '-q')).toBe('');
    expect(await ok('image', 'prune', '-a', '-f')).toBe('Total reclaimed space: 0B\n');
  });

  rootIt("the image events: tag, untag, delete (type image), in Docker's format", async () => {
    const until = Date.now() + 500;
    await new Promise((r) => setTimeout(r, 600));
    const out = await ok('events', '--since', unix(t0), '--until', unix(until), '--filter', 'type=image');
    const lines = out.trim().split('\n');
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(` image tag ${busybox} \\(name=mybox:1\\)$`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(` image untag ${busybox} \\(name=${busybox}\\)$`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(` image delete ${busybox} \\(name=${busybox}\\)$`)));
    const recorded = (await readEvents(suite.w.session, 0)).events.filter(
      (e) => e.type === 'image' && e.id === busybox,
    );
    expect(recorded.map((e) => e.action)).toEqual(['tag', 'untag', 'untag', 'delete']);
  });

  rootIt("container-saga's own verbs: images, tag, image history, rmi, image prune -a", async () => {
    const our = async (...args: string[]) => {
      const r = await cli(suite.w, args);
      expect(r.code, `container-saga ${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r.stdout;
    };
    const src = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-imgv-cli-'));
    try {
      await fs.writeFile(path.join(src, 'hello'), 'cli\n');
      const img = await imageImport(suite.w.session, 'cli-img', src);
      expect(await our('tag', 'cli-img', 'cli-img:2')).toBe('');
      const [head, ...rows] = (await our('images')).trimEnd().split('\n');
      expect(head).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\s+HOST$/);
      expect(rows.map((r) => r.split(/\s{2,}/).slice(0, 3))).toEqual([
        ['cli-img', '2', short(img.id)],
        ['cli-img', 'latest', short(img.id)],
      ]);
      expect(await our('image', 'ls', '-q', '--no-trunc', 'cli-img:2')).toBe(`${img.id}\n`);
      expect(await our('image', 'history', '-q', 'cli-img')).toBe(`${short(img.id)}\n`);
      expect(await our('rmi', 'cli-img:2')).toBe('Untagged: cli-img:2\n');
      const missing = await cli(suite.w, ['rmi', 'nosuch']);
      expect([missing.code, missing.stderr]).toEqual([
        1,
        'Error response from daemon: No such image: nosuch:latest\nError: failed to remove images: nosuch\n',
      ]);
      expect(await our('image', 'prune', '-a')).toMatch(
        new RegExp(
          `^Deleted Images:\\nuntagged: cli-img:latest\\ndeleted: ${img.id}\\ndeleted: ${img.config.rootfs.diff_ids[0]}\\n\\nTotal reclaimed space: \\d[\\d.]*k?B\\n$`,
        ),
      );
      expect(await our('images', '-q')).toBe('');
    } finally {
      await fs.rm(src, { recursive: true, force: true });
    }
  });
});
