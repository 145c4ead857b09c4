/**
 * docker-archive save and load against tools no one here wrote: skopeo reads what save writes, and load takes
 * umoci's OCI layouts and skopeo's docker-archives. Needs root (layers unpack with device whiteouts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArchive } from '../../images/archive-load';
import { saveImages } from '../../images/archive-save';
import { importImage } from '../../images/import';
import { ImageStore } from '../../images/store';

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: 'pipe' });

let dir: string;
let layout: string;

/** A two-layer image made by umoci: `base` and `gone` in the first layer, `gone` deleted (a whiteout) in the second. */
function buildWhiteoutImage(): void {
  layout = path.join(dir, 'oci');
  run('umoci', ['init', '--layout', layout]);
  run('umoci', ['new', '--image', `${layout}:v1`]);
  run('umoci', ['config', '--image', `${layout}:v1`, '--os', 'linux', '--architecture', 'amd64']);
  const step = (i: number, change: (rootfs: string) => void) => {
    const bundle = path.join(dir, `bundle${i}`);
    run('umoci', ['unpack', '--image', `${layout}:v1`, bundle]);
    change(path.join(bundle, 'rootfs'));
    run('umoci', ['repack', '--image', `${layout}:v1`, bundle]);
  };
  step(0, (r) => {
    writeFileSync(path.join(r, 'base'), 'base\n');
    writeFileSync(path.join(r, 'gone'), 'gone\n');
  });
  step(1, (r) => {
    execFileSync('rm', [path.join(r, 'gone')]);
    writeFileSync(path.join(r, 'top'), 'top\n');
  });
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-archive-'));
  buildWhiteoutImage();
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

const freshStore = async (name: string) => new ImageStore(path.join(dir, name));

/** Everything the store holds on disk but its (empty) directories and repositories.json. */
async function storeFiles(store: ImageStore): Promise<string[]> {
  const out: string[] = [];
  for (const sub of ['configs', 'meta', 'blobs/sha256', 'leases', 'overlay/layers', 'partial']) {
    const names = await fs.readdir(path.join(store.root, sub)).catch(() => [] as string[]);
    out.push(...names.map((n) => `${sub}/${n}`));
  }
  return out;
}

describe('image save', () => {
  it('writes a docker-archive skopeo inspects and copies to an OCI layout', async () => {
    const store = await freshStore('save');
    const img = await importImage(store, 'busybox', 'busybox-static');
    const file = path.join(dir, 'busybox.tar');
    await store.tag(img.id, 'docker.io/library/busybox:second');
    // a repository without a tag: every tag of it, as Docker saves it
    const saved = await saveImages(store, ['busybox'], file);
    expect(saved.images).toEqual([{ id: img.id, repoTags: ['busybox:latest', 'busybox:second'] }]);
    const tagged = await saveImages(store, ['busybox:second'], path.join(dir, 'second.tar'));
    expect(tagged.images).toEqual([{ id: img.id, repoTags: ['busybox:second'] }]);
    const inspect = JSON.parse(run('skopeo', ['inspect', `docker-archive:${file}`])) as { Layers: string[] };
    expect(inspect.Layers).toEqual(img.config.rootfs.diff_ids);
    const configDigest = JSON.parse(run('skopeo', ['inspect', '--config', `docker-archive:${file}`])) as object;
    expect(configDigest).toMatchObject({ rootfs: { diff_ids: img.config.rootfs.diff_ids } });
    run('skopeo', ['copy', '-q', `docker-archive:${file}`, `oci:${path.join(dir, 'copied')}:latest`]);
    const index = JSON.parse(await fs.readFile(path.join(dir, 'copied', 'index.json'), 'utf8')) as object;
    expect(index).toMatchObject({ manifests: [{ annotations: { 'org.opencontainers.image.ref.name': 'latest' } }] });
    const listing = run('tar', ['-tf', file]).split('\n');
    expect(listing).toEqual(expect.arrayContaining(['manifest.json', 'index.json', 'oci-layout', 'repositories']));
    // nothing left beside the archive
    expect(readdirSync(dir).filter((n) => n.startsWith('busybox.tar'))).toEqual(['busybox.tar']);
  });

  it('refuses an unknown image with Docker 404 and writes nothing', async () => {
    const store = await freshStore('save-missing');
    const file = path.join(dir, 'none.tar');
    await expect(saveImages(store, ['nothere:1'], file)).rejects.toMatchObject({
      type: 'NoSuchImage',
      message: 'No such image: nothere:1',
    });
    await expect(fs.stat(file)).rejects.toThrow();
  });
});

describe('image load', () => {
  it('loads an OCI layout (umoci, tarball and directory) with its whiteout, untagged, idempotently', async () => {
    const store = await freshStore('load-oci');
    const tarball = path.join(dir, 'oci.tar');
    run('tar', ['-cf', tarball, '-C', layout, '.']);
    const loaded = await loadArchive(store, tarball, 'load-1');
    expect(loaded.images).toHaveLength(1);
    expect(loaded.images[0]!.repoTags).toEqual([]); // umoci's ref.name is a bare tag
    const id = loaded.images[0]!.id;
    const dirs = await store.layerDirs(id);
    expect(dirs).toHaveLength(2);
    // the whiteout of `gone` is an overlay whiteout (0/0 char device) in the top layer
    const wh = await fs.stat(path.join(dirs[1]!.dir, 'gone'));
    expect(wh.isCharacterDevice() && wh.rdev === 0).toBe(true);
    const again = await loadArchive(store, layout, 'load-2');
    expect(again.images.map((i) => i.id)).toEqual([id]);
    expect(await fs.readdir(store.leasesDir)).toEqual([]);
  });

  it("loads skopeo's docker-archive with its tag, moving the tag from another image", async () => {
    const store = await freshStore('load-skopeo');
    const other = await importImage(store, 'example.test/whiteout:v1', 'busybox-static');
    const file = path.join(dir, 'skopeo.tar');
    run('skopeo', ['copy', '-q', `oci:${layout}:v1`, `docker-archive:${file}:example.test/whiteout:v1`]);
    const loaded = await loadArchive(store, file, 'load-3');
    expect(loaded.images[0]!.repoTags).toEqual(['example.test/whiteout:v1']);
    expect(loaded.renamed).toEqual([{ tag: 'example.test/whiteout:v1', from: other.id }]);
    expect(await store.resolve('example.test/whiteout:v1')).toBe(loaded.images[0]!.id);
    // and saved again, it is the same image for skopeo
    const back = path.join(dir, 'back.tar');
    await saveImages(store, ['example.test/whiteout:v1'], back);
    const inspect = JSON.parse(run('skopeo', ['inspect', '--config', `docker-archive:${back}`])) as {
      rootfs: { diff_ids: string[] };
    };
    expect(inspect.rootfs.diff_ids).toEqual((await store.config(loaded.images[0]!.id)).rootfs.diff_ids);
  });

  it("fails a modified layer with Docker's invalid diffID error and keeps nothing", async () => {
    const store = await freshStore('load-bad');
    const good = path.join(dir, 'good.tar');
    run('skopeo', ['copy', '-q', `oci:${layout}:v1`, `docker-archive:${good}:bad/image:v1`]);
    // the top layer's tar with one more file: valid tar, wrong diffID
    const x = path.join(dir, 'bad-x');
    await fs.mkdir(x);
    run('tar', ['-xf', good, '-C', x]);
    const manifest = JSON.parse(await fs.readFile(path.join(x, 'manifest.json'), 'utf8')) as [{ Layers: string[] }];
    const top = path.join(x, manifest[0].Layers[1]!);
    const extra = path.join(dir, 'extra');
    writeFileSync(extra, 'extra\n');
    const plain = spawnSync('sh', [
      '-c',
      `gzip -dc < '${top}' > '${top}.plain' 2>/dev/null || cp '${top}' '${top}.plain'`,
    ]);
    expect(plain.status).toBe(0);
    run('tar', ['-rf', `${top}.plain`, '-C', dir, 'extra']);
    await fs.rename(`${top}.plain`, top);
    const bad = path.join(dir, 'bad.tar');
    run('tar', ['-cf', bad, '-C', x, '.']);
    const err = await loadArchive(store, bad, 'load-4').catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'InvalidParameter' });
    expect((err as Error).message).toMatch(
      /^invalid diffID for layer 1: expected "sha256:[0-9a-f]{64}", got "sha256:[0-9a-f]{64}"$/,
    );
    expect(await storeFiles(store)).toEqual([]);
    expect(await store.refs()).toEqual({});
  });

  it('refuses what is no archive and a layer path leading outside', async () => {
    const store = await freshStore('load-junk');
    const junk = path.join(dir, 'junk.tar');
    writeFileSync(junk, 'not a tarball');
    await expect(loadArchive(store, junk, 'l5')).rejects.toMatchObject({ type: 'InvalidParameter' });
    const evil = path.join(dir, 'evil');
    await fs.mkdir(evil);
    writeFileSync(path.join(evil, 'manifest.json'), JSON.stringify([{ Config: '../oci/index.json', Layers: [] }]));
    await expect(loadArchive(store, evil, 'l6')).rejects.toThrow(
      'invalid archive: ../oci/index.json leads outside the archive',
    );
    expect(await storeFiles(store)).toEqual([]);
  });

  it("reads our own archive as an OCI layout (index.json's image names as tags); a dead load's scratch goes", async () => {
    const from = await freshStore('oci-from');
    const img = await importImage(from, 'example.test/app:1', 'busybox-static');
    const file = path.join(dir, 'ours.tar');
    await saveImages(from, ['example.test/app:1'], file);
    const x = path.join(dir, 'ours-x');
    await fs.mkdir(x);
    run('tar', ['-xf', file, '-C', x]);
    await fs.rm(path.join(x, 'manifest.json'));
    const store = await freshStore('oci-to');
    // a scratch directory of a process that is gone (pid 2^22 + 1 is past pid_max's largest)
    const stale = path.join(store.root, 'tmp', `load-${2 ** 22 + 1}-abc`);
    await fs.mkdir(stale, { recursive: true });
    const loaded = await loadArchive(store, x, 'oci-own');
    expect(loaded.images).toEqual([{ id: img.id, repoTags: ['example.test/app:1'] }]);
    expect(await fs.readdir(path.join(store.root, 'tmp'))).toEqual([]);
  });
});
