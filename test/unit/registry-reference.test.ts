import { describe, expect, it } from 'vitest';
import { RegistryError } from '../../registry/errors';
import { familiarString, manifestReference, parseReference, referenceString } from '../../registry/reference';

const HEX = 'a'.repeat(64);
const D = `sha256:${HEX}`;

describe('parseReference: normalisation as ParseNormalizedNamed', () => {
  it.each([
    ['busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['user/app', 'docker.io/user/app:latest', 'user/app:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['docker.io/user/app:v1', 'docker.io/user/app:v1', 'user/app:v1'],
    ['docker.io/library/a/b', 'docker.io/library/a/b:latest', 'library/a/b:latest'],
    ['localhost/x', 'localhost/x:latest', 'localhost/x:latest'],
    ['localhost:5000/x:tag', 'localhost:5000/x:tag', 'localhost:5000/x:tag'],
    ['127.0.0.1:5000/x', '127.0.0.1:5000/x:latest', '127.0.0.1:5000/x:latest'],
    ['[::1]:5000/x/y', '[::1]:5000/x/y:latest', '[::1]:5000/x/y:latest'],
    ['reg.example:443/a/b/c:T_1.x-y', 'reg.example:443/a/b/c:T_1.x-y', 'reg.example:443/a/b/c:T_1.x-y'],
    ['Reg.Example/a', 'Reg.Example/a:latest', 'Reg.Example/a:latest'],
    ['a__b/c-d--e/f.g_h', 'docker.io/a__b/c-d--e/f.g_h:latest', 'a__b/c-d--e/f.g_h:latest'],
    [`name@${D}`, `docker.io/library/name@${D}`, `name@${D}`],
    [`name:t@${D}`, `docker.io/library/name:t@${D}`, `name:t@${D}`],
    [`127.0.0.1:5000/x@${D}`, `127.0.0.1:5000/x@${D}`, `127.0.0.1:5000/x@${D}`],
    ['busybox:Latest', 'docker.io/library/busybox:Latest', 'busybox:Latest'],
  ])('%s → %s (familiar %s)', (input, canonical, familiar) => {
    const ref = parseReference(input);
    expect(referenceString(ref)).toBe(canonical);
    expect(familiarString(ref)).toBe(familiar);
  });

  it('splits domain, path, tag and digest', () => {
    expect(parseReference('localhost:5000/x:tag')).toEqual({ domain: 'localhost:5000', path: 'x', tag: 'tag' });
    expect(parseReference(`127.0.0.1:5000/a/b@${D}`)).toEqual({ domain: '127.0.0.1:5000', path: 'a/b', digest: D });
    expect(manifestReference(parseReference(`x:t@${D}`))).toBe(D);
    expect(manifestReference(parseReference('x'))).toBe('latest');
  });

  it('a 255-character path is the longest allowed', () => {
    expect(parseReference(`u/${'a'.repeat(253)}`).path).toHaveLength(255);
  });
});

describe('parseReference: refusals with Docker messages, status 400', () => {
  const FORMAT = 'invalid reference format';
  const LOWER = 'invalid reference format: repository name must be lowercase';
  const LONG = 'repository name must not be more than 255 characters';
  it.each([
    ['UPPER/case', LOWER],
    ['Busybox', LOWER],
    ['localhost:5000/X', LOWER],
    ['a::b', FORMAT],
    ['', FORMAT],
    [':tag', FORMAT],
    ['a/', FORMAT],
    ['/a', FORMAT],
    ['a//b', FORMAT],
    ['-a', FORMAT],
    ['a-', FORMAT],
    ['a_-b', FORMAT],
    ['a...b', FORMAT],
    ['a:', FORMAT],
    ['a:-tag', FORMAT],
    [`a:${'t'.repeat(129)}`, FORMAT],
    ['a@sha256:abc', FORMAT],
    [`a@sha256:${'A'.repeat(64)}`, FORMAT],
    [`a@sha512:${'a'.repeat(128)}`, FORMAT],
    ['a b', FORMAT],
    ['a/b:c:d', FORMAT],
    ['a@', FORMAT],
    ['host:port/x', FORMAT],
    ['a'.repeat(300), LONG],
    [`u/${'a'.repeat(254)}`, LONG],
    [HEX, `invalid repository name (${HEX}), cannot specify 64-byte hexadecimal strings`],
  ])('%j is refused: %s', (input, message) => {
    let err: unknown;
    try {
      parseReference(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).message).toBe(message);
    expect((err as RegistryError).status).toBe(400);
    expect((err as RegistryError).kind).toBe('InvalidReference');
  });
});

describe('parseReference: linear time on hostile input (JS regexps backtrack where Go is linear)', () => {
  it.each([
    ['a run of name characters and a bad one', `${'a'.repeat(60)}!`],
    ['runs of dashes', `${'a-'.repeat(200)}!`],
    ['a long host', `${'a.'.repeat(300)}A/b!`],
    ['a path after a host', `localhost:5000/${'a_'.repeat(120)}!`],
    ['past any valid length', `${'a'.repeat(5000)}/b`],
  ])('%s is answered at once', (_what, input) => {
    const t0 = performance.now();
    expect(() => parseReference(input)).toThrow(RegistryError);
    // the old separator `[-]*` took 91 s on 21 characters
    expect(performance.now() - t0).toBeLessThan(200);
  });

  it('keeps separators as Docker reads them', () => {
    for (const ok of ['a--b', 'a__b', 'a.b-c_d', 'x/a---b:1', 'localhost:5000/a-b.c'])
      expect(() => parseReference(ok)).not.toThrow();
    for (const bad of ['a___b', 'a..b', '-a', 'a-', 'a_.b']) expect(() => parseReference(bad)).toThrow(RegistryError);
  });
});
