import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageList } from '../../client/api';
import { pullImage } from '../../client/pull';
import { docker, simulatedApiSuite } from '../api-harness';
import { cli, until } from '../harness';
import { bcrypt, buildImage, push, startRegistry, type TestRegistry } from '../registry-fixture';
import { buildWhiteoutImage, storeContents, throttledProxy } from '../pull-fixture';

// The pull workflow end to end on the simulated driver (the image store and layers are real files): the docker
// CLI and container-saga's own against a real registry on loopback (docker-registry 2.8, images built with umoci,
// pushed with skopeo), through a counting, throttling proxy where bytes matter.

const suite = simulatedApiSuite('pull-sim');
const dk = (...args: string[]) => docker(suite.api, args, { timeoutMs: 90_000 });
const dir = mkdtempSync(path.join(os.tmpdir(), 'pull-e2e-'));
const layout = path.join(dir, 'layout');
let reg: TestRegistry;
const started: TestRegistry[] = [];
const store = () => suite.sim.images;

/** A POST over the API's socket: its status and JSON body. */
function post(urlPath: string): Promise<{ status: number; body: { message?: string } }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: suite.api.socketPath, path: urlPath, method: 'POST' }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  reg = await startRegistry(path.join(dir, 'reg'));
  started.push(reg);
  await buildWhiteoutImage(layout, 'wh');
  push(layout, 'wh', `${reg.domain}/wh:latest`);
  const shared = randomBytes(3 << 20);
  buildImage(layout, 'share-base', [shared]);
  buildImage(layout, 'a', [Buffer.from('only a\n')], 'amd64', 'share-base');
  buildImage(layout, 'b', [Buffer.from('only b\n')], 'amd64', 'share-base');
  push(layout, 'a', `${reg.domain}/share:a`);
  push(layout, 'b', `${reg.domain}/share:b`);
  buildImage(layout, 'bad', [randomBytes(64 << 10)]);
  push(layout, 'bad', `${reg.domain}/bad:latest`);
  buildImage(layout, 'big', [randomBytes(8 << 20)]);
  push(layout, 'big', `${reg.domain}/big:latest`);
}, 120_000);

afterAll(async () => {
  for (const r of started) await r.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('docker pull through the Engine API', () => {
  it('pulls a two-layer image with whiteouts; a second pull is up to date; by digest too', async () => {
    const r = await dk('pull', `${reg.domain}/wh`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('latest: Pulling from wh');
    expect(r.stdout).toMatch(/[0-9a-f]{12}: Pull complete/);
    expect(r.stdout).toMatch(/Digest: sha256:[0-9a-f]{64}/);
    expect(r.stdout).toContain(`Status: Downloaded newer image for ${reg.domain}/wh:latest`);
    const digest = /Digest: (sha256:[0-9a-f]{64})/.exec(r.stdout)![1]!;
    const img = (await imageList(suite.w.session)).find((i) => i.repoTags.includes(`${reg.domain}/wh:latest`));
    expect(img?.repoDigests).toEqual([`${reg.domain}/wh@${digest}`]);
    expect(img?.config?.config?.Env).toContain('FOO=bar');
    // the second layer's whiteouts are in its unpacked directory as overlayfs reads them (0/0 devices)
    const layers = await store().layerDirs(img!.id);
    expect(layers).toHaveLength(2);
    const { statSync } = await import('node:fs');
    expect(statSync(path.join(layers[1]!.dir, 'data/gone')).isCharacterDevice()).toBe(true);
    expect(storeContents(store()).partial).toEqual([]);
    expect(storeContents(store()).leases).toEqual([]);

    const again = await dk('pull', `${reg.domain}/wh`);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`Status: Image is up to date for ${reg.domain}/wh:latest`);
    expect(again.stdout).toMatch(/[0-9a-f]{12}: Already exists/);

    const byDigest = await dk('pull', `${reg.domain}/wh@${digest}`);
    expect(byDigest.code, byDigest.stderr).toBe(0);
    expect(byDigest.stdout).toContain(`Digest: ${digest}`);
  });

  it('bad references are Docker\'s 400 "invalid reference format" and change nothing', async () => {
    const before = storeContents(store());
    for (const ref of ['UPPER/case', 'a::b', 'a'.repeat(300)]) {
      const r = await dk('pull', ref);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/invalid reference format|repository name must not be more than 255 characters/);
      // the API itself, as any client reaches it: a 400 before any workflow runs
      const api = await post(`/v1.41/images/create?fromImage=${encodeURIComponent(ref)}&tag=latest`);
      expect(api.status).toBe(400);
      expect(api.body.message).toMatch(/^invalid reference format|^repository name must not be more than 255/);
    }
    expect(storeContents(store())).toEqual(before);
  });

  it('a corrupted blob fails with "filesystem layer verification failed" and leaves nothing', async () => {
    const res = await fetch(`http://${reg.domain}/v2/bad/manifests/latest`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    const manifest = (await res.json()) as { layers: { digest: string; size: number }[] };
    const layer = manifest.layers[0]!;
    writeFileSync(reg.blobData(layer.digest), randomBytes(layer.size));
    const before = storeContents(store());
    const r = await dk('pull', `${reg.domain}/bad`);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(`filesystem layer verification failed for digest ${layer.digest}`);
    expect(storeContents(store())).toEqual(before);
  });

  it('two concurrent pulls of images sharing a layer fetch it once', async () => {
    const proxy = await throttledProxy(reg.port, 4 << 20);
    try {
      const s = suite.w.session;
      const [a, b] = await Promise.all([
        pullImage(s, { reference: `${proxy.domain}/share:a` }),
        pullImage(s, { reference: `${proxy.domain}/share:b` }),
      ]);
      expect(a.hosts[0]!.status).toContain('Downloaded newer image');
      expect(b.hosts[0]!.status).toContain('Downloaded newer image');
      // the shared layer is 3 MiB; twice would be over 6 MiB
      expect(proxy.stats.down).toBeGreaterThan(3 << 20);
      expect(proxy.stats.down).toBeLessThan((3 << 20) * 1.2);
    } finally {
      await proxy.close();
    }
  });

  it('container-saga image pull prints a line per layer, the digest and the status', async () => {
    const first = await cli(suite.w, ['image', 'pull', `${reg.domain}/share:b`]);
    expect(first.code, first.stderr).toBe(0);
    // its layers came through the proxy's name before: here already, and the reference is new
    expect(first.stdout).toMatch(/^latest|[0-9a-f]{12}: Already exists/m);
    expect(first.stdout).toContain(`Status: Downloaded newer image for ${reg.domain}/share:b`);
    const r = await cli(suite.w, ['pull', `${reg.domain}/share:b`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Status: Image is up to date for ${reg.domain}/share:b`);
    expect(r.stdout.trim().split('\n').at(-1)).toBe(`${reg.domain}/share:b`);
  });

  it('a registry that goes away mid-layer: retried a few times, then the pull fails and leaves nothing', async () => {
    const killable = await startRegistry(path.join(dir, 'killable'), { storage: reg.storage });
    started.push(killable);
    const proxy = await throttledProxy(killable.port, 1 << 20);
    try {
      const before = storeContents(store());
      const pull = pullImage(suite.w.session, { reference: `${proxy.domain}/big:latest` }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      await until('part of the layer on disk', async () => (storeContents(store()).partial.length ? true : undefined));
      await killable.stop();
      const err = await pull;
      // the last attempt's error: the registry's address no longer answers
      expect(err?.message).toMatch(new RegExp(`GET "http://${proxy.domain}/v2/": |interrupted after \\d+ of`));
      expect(storeContents(store())).toEqual(before);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('container-saga run of a missing image pulls it first (--pull missing); --pull never does not', async () => {
    const never = await cli(suite.w, ['create', '--pull', 'never', `${reg.domain}/share:a`]);
    expect(never.code).not.toBe(0);
    expect(never.stderr).toContain(`No such image: ${reg.domain}/share:a`);
    expect(never.stderr).not.toContain('Unable to find image');
    const r = await cli(suite.w, ['run', '-d', '--name', 'implicit', `${reg.domain}/share:a`, 'sleep', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Unable to find image '${reg.domain}/share:a' locally`);
    expect(r.stderr).toContain(`Status: Downloaded newer image for ${reg.domain}/share:a`);
    expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    expect((await cli(suite.w, ['rm', '-f', 'implicit'])).code).toBe(0);
  });

  it("a registry with Basic auth: refused without credentials; X-Registry-Auth, or the worker user's config.json", async () => {
    const hash = bcrypt('s3cret');
    expect(hash, 'perl crypt(3) with bcrypt').toBeDefined();
    const authed = await startRegistry(path.join(dir, 'authed'), {
      storage: reg.storage,
      auth: { user: 'alice', hash: hash! },
    });
    started.push(authed);
    const image = `${authed.domain}/share:a`;
    const refused = await dk('pull', image);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Error response from daemon: ');
    // docker sends X-Registry-Auth from its own config (a docker login's): the workflow carries it
    const config = path.join(dir, 'docker-config');
    const auth = Buffer.from('alice:s3cret').toString('base64');
    mkdirSync(config, { recursive: true });
    writeFileSync(path.join(config, 'config.json'), JSON.stringify({ auths: { [authed.domain]: { auth } } }));
    const viaHeader = await docker(suite.api, ['pull', image], { env: { DOCKER_CONFIG: config }, timeoutMs: 90_000 });
    expect(viaHeader.code, viaHeader.stderr).toBe(0);
    expect(viaHeader.stdout).toContain(`Status: Downloaded newer image for ${image}`);
    // without the header, the worker reads its own user's config.json (DOCKER_CONFIG here: the worker is in process)
    process.env.DOCKER_CONFIG = config;
    try {
      const viaConfig = await pullImage(suite.w.session, { reference: `${authed.domain}/share:b` });
      expect(viaConfig.hosts[0]!.status).toBe(`Downloaded newer image for ${authed.domain}/share:b`);
    } finally {
      delete process.env.DOCKER_CONFIG;
    }
  });
});
