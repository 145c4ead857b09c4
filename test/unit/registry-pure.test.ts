import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseChallenges } from '../../registry/auth';
import {
  credentialsFromDockerConfig,
  decodeRegistryAuthHeader,
  readDockerConfig,
  registryHostOf,
} from '../../registry/credentials';
import { allowsPlainHttp, isLoopback } from '../../registry/endpoint';
import { RegistryError } from '../../registry/errors';
import {
  MediaType,
  imageManifestOf,
  parsePlatform,
  selectPlatform,
  sha256Digest,
  verifyManifestDigest,
} from '../../registry/manifest';

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const thrown = (f: () => unknown): RegistryError => {
  try {
    f();
  } catch (e) {
    return e as RegistryError;
  }
  throw new Error('did not throw');
};

describe('X-Registry-Auth', () => {
  it('decodes base64url JSON as the Engine does', () => {
    const header = b64url({ username: 'u', password: 'p?>~', serveraddress: 'reg.example:5000', email: 'x' });
    expect(header).toMatch(/[-_]/); // the url alphabet is exercised
    expect(decodeRegistryAuthHeader(header)).toEqual({
      username: 'u',
      password: 'p?>~',
      serverAddress: 'reg.example:5000',
    });
    expect(decodeRegistryAuthHeader(b64url({ identitytoken: 'tok' }))).toEqual({ identityToken: 'tok' });
    expect(decodeRegistryAuthHeader(Buffer.from('{"username":"a","password":"b"}').toString('base64'))).toEqual({
      username: 'a',
      password: 'b',
    });
  });
  it('absent, empty or `{}` is anonymous', () => {
    expect(decodeRegistryAuthHeader(undefined)).toBeUndefined();
    expect(decodeRegistryAuthHeader('')).toBeUndefined();
    expect(decodeRegistryAuthHeader(b64url({}))).toBeUndefined();
  });
  it.each(['!!!', b64url('text'), b64url([1]), Buffer.from('{nope').toString('base64url')])(
    'malformed %j is a 400',
    (h) => {
      const err = thrown(() => decodeRegistryAuthHeader(h));
      expect(err).toBeInstanceOf(RegistryError);
      expect(err.status).toBe(400);
      expect(err.message).toMatch(/^invalid X-Registry-Auth header: /);
    },
  );
});

describe('config.json auths', () => {
  const auth = (s: string) => Buffer.from(s).toString('base64');
  const config = {
    auths: {
      'https://reg.example:5000/v1/': { auth: auth('alice:pa:ss') },
      'other.example': { username: 'bob', password: 'pw' },
      'tok.example': { identitytoken: 'refresh' },
      'empty.example': {},
    },
  };
  it('finds an entry by host[:port], whatever its scheme and path', () => {
    expect(registryHostOf('https://Reg.Example:5000/v1/')).toBe('reg.example:5000');
    expect(credentialsFromDockerConfig(config, 'reg.example:5000')).toMatchObject({
      username: 'alice',
      password: 'pa:ss',
    });
    expect(credentialsFromDockerConfig(config, 'other.example')).toMatchObject({ username: 'bob', password: 'pw' });
    expect(credentialsFromDockerConfig(config, 'tok.example')).toMatchObject({ identityToken: 'refresh' });
  });
  it('no entry, an empty entry or no auths is anonymous', () => {
    expect(credentialsFromDockerConfig(config, 'reg.example')).toBeUndefined();
    expect(credentialsFromDockerConfig(config, 'empty.example')).toBeUndefined();
    expect(credentialsFromDockerConfig({}, 'reg.example')).toBeUndefined();
    expect(credentialsFromDockerConfig(null, 'reg.example')).toBeUndefined();
  });
  it('an auth without a colon is Docker\'s "invalid auth configuration file"', () => {
    const err = thrown(() => credentialsFromDockerConfig({ auths: { h: { auth: auth('nocolon') } } }, 'h'));
    expect(err.message).toBe('invalid auth configuration file');
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'docker-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('reads $DOCKER_CONFIG/config.json; a missing file is none', () => {
    expect(readDockerConfig({ DOCKER_CONFIG: dir })).toBeUndefined();
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    expect(credentialsFromDockerConfig(readDockerConfig({ DOCKER_CONFIG: dir }), 'other.example')?.username).toBe(
      'bob',
    );
    writeFileSync(path.join(dir, 'config.json'), '{');
    expect(thrown(() => readDockerConfig({ DOCKER_CONFIG: dir })).message).toMatch(/^invalid auth configuration file/);
  });
});

describe('WWW-Authenticate', () => {
  it('parses Bearer and Basic challenges with quoted and bare values', () => {
    expect(
      parseChallenges(
        'Bearer realm="https://auth.example/token",service="reg.example",scope="repository:a/b:pull,push"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'https://auth.example/token', service: 'reg.example', scope: 'repository:a/b:pull,push' },
      },
    ]);
    expect(parseChallenges('Basic realm="Registry Realm"')).toEqual([
      { scheme: 'basic', params: { realm: 'Registry Realm' } },
    ]);
    expect(parseChallenges('Basic realm=r, Bearer realm="x\\"y", error="insufficient_scope"')).toEqual([
      { scheme: 'basic', params: { realm: 'r' } },
      { scheme: 'bearer', params: { realm: 'x"y', error: 'insufficient_scope' } },
    ]);
    expect(parseChallenges(null)).toEqual([]);
  });
});

describe('plain HTTP only for loopback and insecure registries', () => {
  it.each([
    ['127.0.0.1:5000', true],
    ['127.9.8.7', true],
    ['localhost:5000', true],
    ['[::1]:5000', true],
    ['128.0.0.1:5000', false],
    ['reg.example:5000', false],
    ['10.1.2.3:5000', false],
  ])('%s → %s', (domain, loopback) => expect(isLoopback(domain)).toBe(loopback));
  it('honours host, host:port and CIDR entries', () => {
    expect(allowsPlainHttp('reg.example:5000', ['reg.example:5000'])).toBe(true);
    expect(allowsPlainHttp('reg.example:5001', ['reg.example:5000'])).toBe(false);
    expect(allowsPlainHttp('reg.example:5001', ['reg.example'])).toBe(true);
    expect(allowsPlainHttp('10.1.2.3:5000', ['10.0.0.0/8'])).toBe(true);
    expect(allowsPlainHttp('11.1.2.3:5000', ['10.0.0.0/8'])).toBe(false);
  });
});

describe('manifests', () => {
  const d = (c: string) => `sha256:${c.repeat(64)}`;
  const index = {
    manifests: [
      {
        mediaType: MediaType.ociManifest,
        digest: d('a'),
        size: 10,
        platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
      },
      { mediaType: MediaType.ociManifest, digest: d('b'), size: 10, platform: { os: 'linux', architecture: 'amd64' } },
      {
        mediaType: MediaType.ociManifest,
        digest: d('c'),
        size: 10,
        platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
      },
    ],
  };
  it('selects linux/amd64 by default, or the platform given', () => {
    expect(selectPlatform(index, parsePlatform('linux/amd64')).digest).toBe(d('b'));
    expect(selectPlatform(index, parsePlatform('linux/arm64')).digest).toBe(d('a'));
    expect(selectPlatform(index, parsePlatform('linux/arm/v7')).digest).toBe(d('c'));
    expect(thrown(() => selectPlatform(index, parsePlatform('linux/arm/v6'))).message).toBe(
      'no matching manifest for linux/arm/v6 in the manifest list entries',
    );
    expect(thrown(() => selectPlatform(index, parsePlatform('windows/amd64'))).kind).toBe('NoMatchingPlatform');
  });
  it('refuses platforms that are not os/arch[/variant]', () => {
    for (const p of ['linux', 'linux/', 'a/b/c/d', 'linux/arm/'])
      expect(thrown(() => parsePlatform(p)).status).toBe(400);
  });
  it('checks every descriptor of an image manifest', () => {
    const good = { config: { digest: d('1'), size: 2 }, layers: [{ digest: d('2'), size: 3 }] };
    expect(imageManifestOf(good, MediaType.dockerManifest).layers).toHaveLength(1);
    expect(
      thrown(() => imageManifestOf({ ...good, layers: [{ digest: 'md5:x', size: 1 }] }, MediaType.ociManifest)).kind,
    ).toBe('BadManifest');
    expect(thrown(() => imageManifestOf(good, 'application/vnd.docker.distribution.manifest.v1+json')).kind).toBe(
      'BadManifest',
    );
  });
  it("verifies a manifest against the digest asked for and the registry's header", () => {
    const body = Buffer.from('{"schemaVersion":2}');
    const digest = sha256Digest(body);
    expect(verifyManifestDigest(body, digest, digest)).toBe(digest);
    expect(verifyManifestDigest(body, undefined, null)).toBe(digest);
    expect(thrown(() => verifyManifestDigest(body, d('f'), null)).message).toBe(
      `manifest verification failed for digest ${d('f')}`,
    );
    expect(thrown(() => verifyManifestDigest(body, undefined, d('e'))).kind).toBe('DigestMismatch');
    expect(thrown(() => verifyManifestDigest(body, digest, d('e'))).kind).toBe('DigestMismatch');
  });
});
