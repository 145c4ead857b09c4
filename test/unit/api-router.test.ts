/** api/: route matching with and without the version prefix, Docker's query decoding and stream frames. */
import { describe, expect, it } from 'vitest';
import { ApiError, boolParam, filtersParam, intParam, parseJsonObject } from '../../api/http';
import { Router, type Handler } from '../../api/router';
import { frame } from '../../api/stream';

const h: Handler = async () => undefined;
const router = new Router().add(
  { method: 'GET', path: '/_ping', handler: h },
  { method: 'POST', path: '/containers/{id}/start', handler: h },
  { method: 'GET', path: '/images/{image}/json', handler: h },
);

function failure(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('did not throw');
}

describe('Router.match', () => {
  it.each([
    ['/_ping', '1.41'],
    ['/v1.41/_ping', '1.41'],
    ['/v1.24/_ping', '1.24'],
    ['/v1.41/_ping/', '1.41'],
  ])('%s matches with version %s', (url, version) => {
    expect(router.match('GET', url)).toMatchObject({ path: '/_ping', version });
  });

  it('serves HEAD from the GET route', () => {
    expect(router.match('HEAD', '/_ping').route.method).toBe('GET');
  });

  it('decodes parameters and keeps the query', () => {
    const m = router.match('POST', '/v1.41/containers/my%20web/start?detachKeys=x');
    expect(m.params).toEqual({ id: 'my web' });
    expect(m.query.get('detachKeys')).toBe('x');
  });

  it('lets image names hold slashes', () => {
    expect(router.match('GET', '/images/library/busybox:latest/json').params).toEqual({
      image: 'library/busybox:latest',
    });
  });

  it.each<[string, string, number, RegExp]>([
    ['GET', '/v1.50/_ping', 400, /^client version 1\.50 is too new\. Maximum supported API version is 1\.41$/],
    ['GET', '/v1.11/_ping', 400, /^client version 1\.11 is too old\. Minimum supported API version is 1\.12/],
    ['GET', '/containers/web/start', 501, /^GET \/containers\/web\/start is not supported by container-saga/],
    [
      'GET',
      '/v1.41/networks',
      501,
      /^GET \/networks is not supported by container-saga \(Docker Engine API endpoint not implemented\)$/,
    ],
    ['POST', '/swarm/init', 501, /^POST \/swarm\/init is not supported/],
    ['GET', '/nothing/here', 404, /^page not found$/],
    ['POST', '/containers/a%00b/start', 400, /NUL/],
    ['POST', '/containers/%E0%A4%A/start', 400, /invalid path parameter/],
    // a path starting with // is a path, not an authority (fuzz: new URL(url, base) threw "Invalid URL" → 500)
    ['POST', '////%252e%252e', 404, /^page not found$/],
    ['GET', '//_ping', 404, /^page not found$/],
  ])('%s %s → %i', (method, url, status, message) => {
    const e = failure(() => router.match(method, url));
    expect(e.status).toBe(status);
    expect(e.message).toMatch(message);
  });
});

describe('query and body decoding', () => {
  const q = (s: string) => new URLSearchParams(s);

  it.each([
    ['all=1', true],
    ['all=true', true],
    ['all=True', true],
    ['all=0', false],
    ['all=', false],
    ['', false],
    ['all=false', false],
  ])('boolParam(%s) is %s', (query, want) => expect(boolParam(q(query), 'all')).toBe(want));

  it('refuses a boolean it cannot read', () => {
    expect(failure(() => boolParam(q('all=yes'), 'all')).status).toBe(400);
  });

  it('reads integers and refuses others', () => {
    expect(intParam(q('t=10'), 't')).toBe(10);
    expect(intParam(q('t='), 't')).toBeUndefined();
    expect(failure(() => intParam(q('t=1.5'), 't')).message).toMatch(/not an integer/);
  });

  it('reads both encodings of filters and refuses unknown names', () => {
    expect(filtersParam(q(`filters=${encodeURIComponent('{"name":["web","db"]}')}`), ['name'])).toEqual(
      new Map([['name', ['web', 'db']]]),
    );
    expect(
      filtersParam(q(`filters=${encodeURIComponent('{"status":{"exited":true,"x":false}}')}`), ['status']),
    ).toEqual(new Map([['status', ['exited']]]));
    expect(failure(() => filtersParam(q(`filters=${encodeURIComponent('{"color":["red"]}')}`), ['name'])).message).toBe(
      "invalid filter 'color'",
    );
    expect(failure(() => filtersParam(q('filters=notjson'), ['name'])).status).toBe(400);
    expect(failure(() => filtersParam(q(`filters=${encodeURIComponent('{"name":[1]}')}`), ['name'])).status).toBe(400);
  });

  it('takes an empty body as {} and refuses anything but a JSON object', () => {
    expect(parseJsonObject(Buffer.from(''))).toEqual({});
    expect(parseJsonObject(Buffer.from(' {"a":1} '))).toEqual({ a: 1 });
    for (const bad of ['{', '[1]', '"x"', 'null', '42'])
      expect(failure(() => parseJsonObject(Buffer.from(bad))).status).toBe(400);
  });
});

describe('frame', () => {
  it("writes Docker's 8-byte header: stream, three zeros, big-endian length", () => {
    const f = frame(2, Buffer.from('hi\n'));
    expect([...f.subarray(0, 8)]).toEqual([2, 0, 0, 0, 0, 0, 0, 3]);
    expect(f.subarray(8).toString()).toBe('hi\n');
  });
});
