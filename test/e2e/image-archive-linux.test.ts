/**
 * save and load end to end on the Linux driver: the CLI's library and Docker's own client through the Engine
 * API (which spools on the worker's machine), skopeo and umoci as the other side, and containers run from
 * the loaded images. Needs root: without it every test FAILS with the reason. Its own netns, bridge and subnet.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { imageLoad, imageSave } from '../../client/image-archive';
import { buildBusybox } from '../../images/busybox';
import { archiveSpoolDir } from '../../images/archive-paths';
import { collect } from '../../images/gc';
import { docker, startTestApi, type TestApi } from '../api-harness';
import { linuxSuite, linuxUnavailable, testNetwork } from '../linux-fixture';

const suite = linuxSuite('cs-archive', testNetwork('e2e/image-archive-linux'));
const it = suite.it;
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: 'pipe' });

let api: TestApi | undefined;
let dir: string;
let layout: string;

/** busybox, then `base` and `gone`, then `gone` deleted (a whiteout) and `top` added: three layers, by umoci. */
async function buildImage(): Promise<void> {
  layout = path.join(dir, 'oci');
  run('umoci', ['init', '--layout', layout]);
  run('umoci', ['new', '--image', `${layout}:v1`]);
  run('umoci', ['config', '--image', `${layout}:v1`, '--os', 'linux', '--architecture', 'amd64']);
  const changes: ((r: string) => Promise<void> | void)[] = [
    (r) => buildBusybox(r),
    (r) => {
      writeFileSync(path.join(r, 'base'), 'base\n');
      writeFileSync(path.join(r, 'gone'), 'gone\n');
    },
    (r) => {
      run('rm', [path.join(r, 'gone')]);
      writeFileSync(path.join(r, 'top'), 'top\n');
    },
  ];
  for (const [i, change] of changes.entries()) {
    const bundle = path.join(dir, `bundle${i}`);
    run('umoci', ['unpack', '--image', `${layout}:v1`, bundle]);
    await change(path.join(bundle, 'rootfs'));
    run('umoci', ['repack', '--image', `${layout}:v1`, bundle]);
  }
}

beforeAll(async () => {
  if (await linuxUnavailable()) return;
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-archive-e2e-'));
  await buildImage();
  // the API beside the worker: its host and state root, so it spools where the worker reads and writes
  api = await startTestApi(suite.w, { CONTAINER_SAGA_ROOT: suite.rt.root, CONTAINER_SAGA_HOST: suite.rt.hostName });
}, 120_000);
afterAll(async () => {
  await api?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

const dockerCli = (args: string[]) => docker(api!, args, { timeoutMs: 120_000 });
const WHITEOUT_CHECK = ['sh', '-c', 'cat /base /top; test -e /gone && echo gone is there; echo done'];

/** What the image store holds: configs, metas, blobs, layers and leases. */
async function storeFiles(): Promise<string[]> {
  const root = suite.rt.images.root;
  const out: string[] = [];
  for (const sub of ['configs', 'meta', 'blobs/sha256', 'leases', 'overlay/layers'])
    out.push(...(await fs.readdir(path.join(root, sub)).catch(() => [] as string[])).map((n) => `${sub}/${n}`));
  return out.sort();
}

describe('image save and load (Linux driver)', () => {
  it('image save busybox: an archive skopeo inspects and copies; save of an unknown image is 404', async () => {
    const file = path.join(dir, 'busybox.tar');
    const saved = await imageSave(suite.w.session, ['busybox'], file);
    expect(saved).toMatchObject({ host: suite.rt.hostName, output: file, images: [{ repoTags: ['busybox:latest'] }] });
    const inspect = JSON.parse(run('skopeo', ['inspect', `docker-archive:${file}`])) as { Layers: string[] };
    expect(inspect.Layers).toHaveLength(1);
    run('skopeo', ['copy', '-q', `docker-archive:${file}`, `oci:${path.join(dir, 'copied')}:latest`]);
    await expect(imageSave(suite.w.session, ['nosuch:1'], path.join(dir, 'x.tar'))).rejects.toMatchObject({
      status: 404,
      message: 'No such image: nosuch:1',
    });
    await expect(imageSave(suite.w.session, ['busybox'], 'relative.tar', 'no-such-host')).rejects.toMatchObject({
      status: 404,
    });
  });

  it("image load of umoci's OCI layout and skopeo's docker-archive: containers see the whiteout", async () => {
    const tarball = path.join(dir, 'oci.tar');
    run('tar', ['-cf', tarball, '-C', layout, '.']);
    const oci = await imageLoad(suite.w.session, tarball);
    expect(oci.hosts).toEqual([suite.rt.hostName]);
    expect(oci.images).toHaveLength(1);
    const byId = await dockerCli(['run', '--rm', oci.images[0]!.id, ...WHITEOUT_CHECK]);
    expect([byId.code, byId.stdout, byId.stderr]).toEqual([0, 'base\ntop\ndone\n', '']);

    const archive = path.join(dir, 'skopeo.tar');
    run('skopeo', ['copy', '-q', `oci:${layout}:v1`, `docker-archive:${archive}:example.test/wh:v1`]);
    const loaded = await imageLoad(suite.w.session, archive);
    expect(loaded.images).toEqual([{ id: oci.images[0]!.id, repoTags: ['example.test/wh:v1'] }]);
    const byTag = await dockerCli(['run', '--rm', 'example.test/wh:v1', ...WHITEOUT_CHECK]);
    expect([byTag.code, byTag.stdout]).toEqual([0, 'base\ntop\ndone\n']);
  });

  it("docker save | docker load through the API: Docker's lines (a tag, or the ID of an untagged image)", async () => {
    const file = path.join(dir, 'docker-save.tar');
    const saved = await dockerCli(['save', '-o', file, 'busybox']);
    expect([saved.code, saved.stderr]).toEqual([0, '']);
    const inspect = JSON.parse(run('skopeo', ['inspect', '--config', `docker-archive:${file}`])) as object;
    expect(inspect).toMatchObject({ config: { Cmd: ['sh'] } });
    const loaded = await dockerCli(['load', '-i', file]);
    expect([loaded.code, loaded.stdout, loaded.stderr]).toEqual([0, 'Loaded image: busybox:latest\n', '']);
    // compressed, as `docker save busybox | gzip` makes it
    run('gzip', ['-k', file]);
    const gz = await dockerCli(['load', '-i', `${file}.gz`]);
    expect([gz.code, gz.stdout]).toEqual([0, 'Loaded image: busybox:latest\n']);
    // an untagged image (saved by ID) loads as its ID
    const id = (await imageSave(suite.w.session, ['example.test/wh:v1'], path.join(dir, 'wh.tar'))).images[0]!.id;
    const byId = await dockerCli(['save', '-o', path.join(dir, 'by-id.tar'), id.slice(7, 19)]);
    expect(byId.code, byId.stderr).toBe(0);
    const again = await dockerCli(['load', '-i', path.join(dir, 'by-id.tar')]);
    expect([again.code, again.stdout]).toEqual([0, `Loaded image ID: ${id}\n`]);
    expect(await fs.readdir(archiveSpoolDir(suite.rt.root))).toEqual([]);
  });

  it("docker load of a corrupted archive: Docker's invalid diffID error, nothing of it left", async () => {
    const good = path.join(dir, 'good.tar');
    run('skopeo', ['copy', '-q', `oci:${layout}:v1`, `docker-archive:${good}:example.test/bad:v1`]);
    const x = path.join(dir, 'bad-x');
    await fs.mkdir(x);
    run('tar', ['-xf', good, '-C', x]);
    // a new image whose top layer has one more file (a layer the store has: read through all the same)
    const manifest = JSON.parse(await fs.readFile(path.join(x, 'manifest.json'), 'utf8')) as [
      { Config: string; Layers: string[] },
    ];
    const configFile = path.join(x, manifest[0].Config);
    const config = JSON.parse(await fs.readFile(configFile, 'utf8')) as { rootfs: { diff_ids: string[] } };
    const top = path.join(x, manifest[0].Layers[2]!);
    run('sh', ['-c', `(gzip -dc < '${top}' 2>/dev/null || cat '${top}') > '${top}.plain'`]);
    writeFileSync(path.join(dir, 'extra'), 'extra\n');
    run('tar', ['-rf', `${top}.plain`, '-C', dir, 'extra']);
    await fs.rename(`${top}.plain`, top);
    // and its middle layer new (in its config too): unpacked, then removed when the top one fails
    const bottom = path.join(x, manifest[0].Layers[1]!);
    run('sh', ['-c', `(gzip -dc < '${bottom}' 2>/dev/null || cat '${bottom}') > '${bottom}.plain'`]);
    run('tar', ['-rf', `${bottom}.plain`, '-C', dir, 'extra']);
    await fs.rename(`${bottom}.plain`, bottom);
    config.rootfs.diff_ids[1] = `sha256:${run('sh', ['-c', `sha256sum < '${bottom}'`]).slice(0, 64)}`;
    await fs.writeFile(configFile, JSON.stringify(config));
    const bad = path.join(dir, 'bad.tar');
    run('tar', ['-cf', bad, '-C', x, '.']);
    // (what earlier loads left unreferenced goes first: the failed load's collector would take it)
    await collect(suite.rt.images);
    const before = await storeFiles();
    const r = await dockerCli(['load', '-i', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^Error response from daemon: invalid diffID for layer 2: expected "sha256:[0-9a-f]{64}", got "sha256:[0-9a-f]{64}"\n$/,
    );
    expect(await storeFiles()).toEqual(before);
    expect(await fs.readdir(archiveSpoolDir(suite.rt.root))).toEqual([]);
  });
});
