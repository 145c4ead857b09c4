import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../registry/client';
import { decodeRegistryAuthHeader } from '../../registry/credentials';
import { RegistryError } from '../../registry/errors';
import { MediaType, parsePlatform, type Descriptor } from '../../registry/manifest';
import { parseReference } from '../../registry/reference';
import {
  bcrypt,
  buildImage,
  countingProxy,
  push,
  putManifest,
  startRegistry,
  type TestRegistry,
} from '../registry-fixture';
import { startTokenServer } from '../registry-token-server';

// The client against a real registry (docker-registry 2.8) holding images built with umoci, pushed with skopeo.

const dir = mkdtempSync(path.join(os.tmpdir(), 'registry-e2e-'));
const layout = path.join(dir, 'layout');
const out = path.join(dir, 'out');
const BIG = 24 << 20;
let reg: TestRegistry;
const started: TestRegistry[] = [];
const fileDigest = (f: string) => `sha256:${createHash('sha256').update(readFileSync(f)).digest('hex')}`;
const target = (d: Descriptor) => path.join(out, d.digest.slice(7));

async function rejection(p: Promise<unknown>): Promise<RegistryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RegistryError);
  return err as RegistryError;
}

/** The manifest digest and size a tag has in the registry, as an index entry needs them. */
async function entryFor(tag: string, architecture: string) {
  const res = await fetch(`http://${reg.domain}/v2/multi/manifests/${tag}`, {
    headers: { accept: MediaType.ociManifest },
  });
  const body = Buffer.from(await res.arrayBuffer());
  return {
    mediaType: MediaType.ociManifest,
    digest: res.headers.get('docker-content-digest') as string,
    size: body.length,
    platform: { os: 'linux', architecture },
  };
}

beforeAll(async () => {
  const t0 = Date.now();
  reg = await startRegistry(path.join(dir, 'reg'));
  started.push(reg);
  buildImage(layout, 'two', [Buffer.from('first layer\n'), randomBytes(1 << 20)]);
  buildImage(layout, 'arm', [Buffer.from('arm64 only\n')], 'arm64');
  buildImage(layout, 'victim', [randomBytes(256 << 10)]);
  buildImage(layout, 'big', [randomBytes(BIG)]);
  push(layout, 'two', `${reg.domain}/img:t`);
  push(layout, 'two', `${reg.domain}/img:v2s2`, 'v2s2');
  push(layout, 'two', `${reg.domain}/multi:amd64`);
  push(layout, 'arm', `${reg.domain}/multi:arm64`);
  push(layout, 'victim', `${reg.domain}/victim:t`);
  push(layout, 'big', `${reg.domain}/big:t`);
  const index = {
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: [await entryFor('arm64', 'arm64'), await entryFor('amd64', 'amd64')],
  };
  await putManifest(reg.domain, 'multi', 'latest', MediaType.ociIndex, JSON.stringify(index));
  console.log(`registry e2e fixture: ${Date.now() - t0} ms`);
}, 60_000);

afterAll(async () => {
  for (const r of started) await r.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function pullAll(text: string) {
  const { ref, client } = RegistryClient.forReference(text);
  const manifest = await client.getManifest(ref);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const d of [manifest.config, ...manifest.layers]) {
    let last = 0;
    const result = await client.downloadBlob(ref.path, d, target(d), { onProgress: (n) => (last = n) });
    expect(result).toEqual({ fetched: d.size, resumedFrom: 0 });
    expect(last).toBe(d.size);
    expect(fileDigest(target(d))).toBe(d.digest);
  }
  return manifest;
}

describe('pull from a real registry', () => {
  it('fetches a 2-layer image by tag (OCI and Docker v2 schema 2) and by digest, every blob verified', async () => {
    const oci = await pullAll(`${reg.domain}/img:t`);
    expect(oci.mediaType).toBe(MediaType.ociManifest);
    expect(oci.layers).toHaveLength(2);
    const docker = await pullAll(`${reg.domain}/img:v2s2`);
    expect(docker.mediaType).toBe(MediaType.dockerManifest);
    expect(docker.layers.map((l) => l.size)).toEqual(oci.layers.map((l) => l.size));
    const byDigest = await pullAll(`${reg.domain}/img@${oci.digest}`);
    expect(byDigest.digest).toBe(oci.digest);
    expect(byDigest.raw.equals(oci.raw)).toBe(true);
  });
});

describe('platform choice from an index', () => {
  it('picks linux/amd64 by default and honours a given platform', async () => {
    const { ref, client } = RegistryClient.forReference(`${reg.domain}/multi`);
    const amd64 = (await entryFor('amd64', 'amd64')).digest;
    const arm64 = (await entryFor('arm64', 'arm64')).digest;
    const chosen = await client.getManifest(ref);
    expect(chosen.digest).toBe(amd64);
    expect(chosen.indexDigest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(chosen.layers).toHaveLength(2);
    const arm = await client.getManifest(ref, parsePlatform('linux/arm64'));
    expect(arm.digest).toBe(arm64);
    expect(arm.layers).toHaveLength(1);
    const none = await rejection(client.getManifest(ref, parsePlatform('linux/s390x')));
    expect(none.message).toBe('no matching manifest for linux/s390x in the manifest list entries');
  });

  it('a missing tag is Docker\'s "manifest … not found"', async () => {
    const { ref, client } = RegistryClient.forReference(`${reg.domain}/img:nope`);
    const err = await rejection(client.getManifest(ref));
    expect(err.kind).toBe('NotFound');
    expect(err.message).toBe(`manifest for ${reg.domain}/img:nope not found: manifest unknown: manifest unknown`);
  });
});

describe('verification and interruption', () => {
  it('a blob corrupted in the registry fails with the digest error and leaves no file', async () => {
    const { ref, client } = RegistryClient.forReference(`${reg.domain}/victim:t`);
    const { layers } = await client.getManifest(ref);
    const layer = layers[0];
    const data = reg.blobData(layer.digest);
    writeFileSync(data, randomBytes(statSync(data).size));
    mkdirSync(out, { recursive: true });
    const err = await rejection(client.downloadBlob(ref.path, layer, target(layer)));
    expect(err.kind).toBe('DigestMismatch');
    expect(err.message).toBe(`filesystem layer verification failed for digest ${layer.digest}`);
    expect(existsSync(target(layer))).toBe(false);
  });

  it('an interrupted download resumes with Range and fetches at most 1.5x the blob in all', async () => {
    const proxy = await countingProxy(reg.port);
    try {
      const { ref, client } = RegistryClient.forReference(`${proxy.domain}/big:t`);
      const layer = (await client.getManifest(ref)).layers[0];
      expect(layer.size).toBeGreaterThan(BIG);
      const before = proxy.stats.down;
      const abort = new AbortController();
      const first = await rejection(
        client.downloadBlob(ref.path, layer, target(layer), {
          signal: abort.signal,
          onProgress: (n) => n >= layer.size / 4 && abort.abort(),
        }),
      );
      expect(first.kind).toBe('Transport');
      expect(first.message).toMatch(/interrupted after \d+ of \d+ bytes: aborted/);
      const partial = statSync(target(layer)).size;
      expect(partial).toBeGreaterThanOrEqual(layer.size / 4);
      expect(partial).toBeLessThan(layer.size);
      const second = await client.downloadBlob(ref.path, layer, target(layer));
      expect(second).toEqual({ resumedFrom: partial, fetched: layer.size - partial });
      expect(fileDigest(target(layer))).toBe(layer.digest);
      const total = proxy.stats.down - before;
      console.log(`blob ${layer.size} bytes, partial ${partial}, ${total} bytes through the proxy`);
      expect(total).toBeLessThanOrEqual(1.5 * layer.size);
      // Already complete on disk: verified again, nothing fetched.
      expect(await client.downloadBlob(ref.path, layer, target(layer))).toEqual({
        fetched: 0,
        resumedFrom: layer.size,
      });
    } finally {
      await proxy.close();
    }
  });

  it('a partial file whose bytes are not the blob fails verification after the resume and is removed', async () => {
    const { ref, client } = RegistryClient.forReference(`${reg.domain}/img:t`);
    const layer = (await client.getManifest(ref)).layers[1];
    writeFileSync(target(layer), randomBytes(1000));
    const err = await rejection(client.downloadBlob(ref.path, layer, target(layer)));
    expect(err.message).toBe(`filesystem layer verification failed for digest ${layer.digest}`);
    expect(existsSync(target(layer))).toBe(false);
  });

  it('a registry killed mid-download fails with a clear error and keeps the partial file', async () => {
    const doomed = await startRegistry(path.join(dir, 'doomed'), { storage: reg.storage });
    started.push(doomed);
    const { ref, client } = RegistryClient.forReference(`${doomed.domain}/big:t`);
    const layer = (await client.getManifest(ref)).layers[0];
    rmSync(target(layer), { force: true });
    const err = await rejection(
      client.downloadBlob(ref.path, layer, target(layer), {
        onProgress: () => doomed.child.exitCode === null && doomed.child.kill('SIGKILL'),
      }),
    );
    expect(err.kind).toBe('Transport');
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(
      new RegExp(`^download of ${layer.digest} interrupted after \\d+ of ${layer.size} bytes: `),
    );
    expect(statSync(target(layer)).size).toBeLessThan(layer.size);
    const again = await rejection(client.getManifest(ref));
    expect(again.message).toMatch(/ECONNREFUSED/);
  });
});

describe('references and credentials', () => {
  it.each([
    ['UPPER/case', 'invalid reference format: repository name must be lowercase'],
    ['a::b', 'invalid reference format'],
  ])('%s is a 400 before any connection', async (name, message) => {
    const proxy = await countingProxy(reg.port);
    try {
      const err = (() => {
        try {
          RegistryClient.forReference(`${proxy.domain}/${name}`);
        } catch (e) {
          return e as RegistryError;
        }
      })();
      expect(err?.message).toBe(message);
      expect(err?.status).toBe(400);
      expect(proxy.stats.down).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('plain HTTP only for loopback or a listed insecure registry', async () => {
    const ref = parseReference('reg.example:5000/img:t');
    const refused = new RegistryClient(ref.domain, { endpoint: `http://${reg.domain}/` });
    const err = await rejection(refused.getManifest(ref));
    expect(err.kind).toBe('Insecure');
    expect(err.message).toBe(
      'reg.example:5000: plain HTTP is allowed only for loopback and insecure registries (--insecure-registry)',
    );
    const listed = new RegistryClient(ref.domain, {
      endpoint: `http://${reg.domain}/`,
      insecureRegistries: ['reg.example:5000'],
    });
    expect((await listed.getManifest(ref)).layers).toHaveLength(2);
  });

  const hash = bcrypt('s3cret');
  // The registry's htpasswd takes bcrypt only; libc's crypt(3) through perl makes it on Debian.
  it.skipIf(hash === undefined)(
    'Basic auth: refused without credentials, pulls with X-Registry-Auth ones',
    async () => {
      const locked = await startRegistry(path.join(dir, 'locked'), {
        storage: reg.storage,
        auth: { user: 'alice', hash: hash as string },
      });
      started.push(locked);
      const anonymous = RegistryClient.forReference(`${locked.domain}/img:t`);
      const err = await rejection(anonymous.client.getManifest(anonymous.ref));
      expect(err.kind).toBe('Unauthorized');
      expect(err.message).toBe('unauthorized: authentication required');
      const header = Buffer.from(
        JSON.stringify({ username: 'alice', password: 's3cret', serveraddress: locked.domain }),
      ).toString('base64url');
      const credentials = decodeRegistryAuthHeader(header);
      const { ref, client } = RegistryClient.forReference(`${locked.domain}/img:t`, { credentials });
      const manifest = await client.getManifest(ref);
      const d = manifest.layers[0];
      await client.downloadBlob(ref.path, d, target(d));
      expect(fileDigest(target(d))).toBe(d.digest);
      const wrong = RegistryClient.forReference(`${locked.domain}/img:t`, {
        credentials: { username: 'alice', password: 'no' },
      });
      expect((await rejection(wrong.client.getManifest(wrong.ref))).kind).toBe('Unauthorized');
      await locked.stop();
    },
  );

  it('Bearer: an anonymous token from the challenge realm for the pull scope, Basic credentials sent to the realm', async () => {
    const service = 'test-registry';
    const tokens = await startTokenServer(dir, service, 'test-issuer');
    try {
      const guarded = await startRegistry(path.join(dir, 'guarded'), {
        storage: reg.storage,
        token: { realm: tokens.realm, service, issuer: 'test-issuer', certFile: tokens.certFile },
      });
      started.push(guarded);
      const raw = await fetch(`http://${guarded.domain}/v2/img/manifests/t`);
      expect(raw.status).toBe(401); // the registry does refuse a request without a token
      const anonymous = RegistryClient.forReference(`${guarded.domain}/img:t`);
      const manifest = await anonymous.client.getManifest(anonymous.ref);
      const d = manifest.layers[1];
      await anonymous.client.downloadBlob(anonymous.ref.path, d, target(d));
      expect(fileDigest(target(d))).toBe(d.digest);
      // One token for the repository's pull scope, reused for the manifest and the blob.
      expect(tokens.requests).toEqual([{ authorization: undefined, scope: 'repository:img:pull', service }]);
      const withCreds = RegistryClient.forReference(`${guarded.domain}/victim:t`, {
        credentials: { username: 'alice', password: 's3cret' },
      });
      await withCreds.client.getManifest(withCreds.ref);
      expect(tokens.requests[1]).toEqual({
        authorization: `Basic ${Buffer.from('alice:s3cret').toString('base64')}`,
        scope: 'repository:victim:pull',
        service,
      });
      await guarded.stop();
    } finally {
      await tokens.close();
    }
  });
});
