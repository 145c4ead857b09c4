import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulatedApiSuite } from '../api-harness';
import { hostileJson, hostileString, nearly } from './arbitraries';
import { failureLines, fuzzParams, runConcurrently, sampleCases, show } from './params';
import { isTypedRefusal, pct, send, type ApiCase } from './raw-http';

/**
 * Target 3: the Engine API over its unix socket, in process, with the simulated driver behind it. Requests are
 * Docker's endpoints with hostile path parameters (raw or percent-encoded: `..`, %2F, NUL, unicode, huge),
 * query strings (bad booleans, numbers, times, filters JSON), API version prefixes and bodies (the create body
 * near Docker's shape, exec create and start, garbage JSON, bytes). Each gets its answer's headers within a
 * few seconds (a stream's 200 is closed once it starts), and is a success or a 4xx with Docker's
 * `{"message": …}` — never a 5xx (but 501 for what container-saga does not implement) — and the only
 * containers in the state afterwards are the ones a 201 announced.
 */

const suite = simulatedApiSuite('fuzz-api');

/** Never a name or ID prefix of a container a case created (those are hex IDs and `fz-` names). */
const ref = fc
  .oneof(
    fc.constantFrom('nosuch', '..', '../..', '%2F', '%2e%2e', 'a%00b', '%ff', 'é', '💥', 'x'.repeat(5000)),
    hostileString,
  )
  .filter((s) => !/^\/?[0-9a-f]*$/.test(s) && !/^\/?fz-/.test(s));

/** A path parameter as a client might send it: percent-encoded, raw, or half-encoded. */
const param = fc
  .tuple(ref, fc.constantFrom('encoded', 'raw', 'slashes'))
  .map(([s, how]) => (how === 'encoded' ? pct(s) : how === 'raw' ? s : pct(s).replace(/%2F/g, '/')));
const qv = fc.oneof(
  fc.constantFrom(
    '1',
    '0',
    'true',
    'false',
    'yes',
    '-1',
    '99999999999999999999',
    '1.5',
    '',
    '1700000000',
    '2026-11-30T23:30:00Z',
    '10m',
    'KILL',
    'SIGBOGUS',
    'next-exit',
    'removed',
  ),
  hostileString,
);
const filters = fc.oneof(
  fc.constantFrom(
    '{"name":["web"]}',
    '{"status":["exited"]}',
    '{"status":["bogus"]}',
    '{"label":{"a=b":true}}',
    '{"bogus":["x"]}',
    '{"name":"web"}',
    '[]',
    'null',
    '{',
    '{"name":[1]}',
    '{"exited":["x"]}',
    '{"name":["("]}',
    '{"before":["x"]}',
  ),
  hostileJson.map((j) => JSON.stringify(j)),
);
const query = fc
  .array(
    fc.tuple(
      fc.constantFrom(
        'all',
        'limit',
        'size',
        'filters',
        'force',
        'v',
        'link',
        't',
        'signal',
        'condition',
        'stdout',
        'stderr',
        'follow',
        'tail',
        'since',
        'until',
        'timestamps',
        'name',
        'stream',
        'logs',
        'stdin',
        'fromImage',
        'tag',
        'checkpoint',
      ),
      fc.oneof(qv, filters),
    ),
    { maxLength: 4 },
  )
  .map((kv) => (kv.length === 0 ? '' : `?${kv.map(([k, v]) => `${k}=${pct(v)}`).join('&')}`));

const version = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '/v1.41',
      '/v1.12',
      '/v1.99',
      '/v2.0',
      '/v1',
      '/v1.41.1',
      '/vx.y',
      '/v99999999999999999999.1',
    ),
  },
);

const hostConfig = nearly({
  NetworkMode: fc.constantFrom('bridge', 'none', 'host', 'container:nosuch', 'bogus'),
  Binds: fc.array(fc.constantFrom('data:/data', '/src:/dst:ro', '..:/x', 'a:b:c:d'), { maxLength: 2 }),
  Memory: fc.oneof(fc.nat(), fc.constantFrom(-1, 2 ** 53, 1e308)),
  RestartPolicy: nearly({
    Name: fc.constantFrom('', 'no', 'always', 'on-failure', 'bogus'),
    MaximumRetryCount: fc.integer(),
  }),
  PortBindings: fc.constantFrom({}, { '80/tcp': [{ HostPort: '8080' }] }),
  Privileged: fc.boolean(),
  Tmpfs: fc.dictionary(fc.constantFrom('/t', 't'), fc.constantFrom('', 'size=1m')),
  LogConfig: nearly({
    Type: fc.constantFrom('json-file', 'syslog'),
    Config: fc.dictionary(fc.constantFrom('max-size', 'bogus'), fc.constantFrom('10m', '-1')),
  }),
});
const createBody = nearly(
  {
    Image: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('busybox', 'busybox:latest') },
      { weight: 1, arbitrary: hostileString },
    ),
    Cmd: fc.oneof(fc.constant(['sleep', '100']), fc.constant('sh'), fc.array(hostileString, { maxLength: 3 })),
    Entrypoint: fc.oneof(fc.constant(['']), fc.array(hostileString, { maxLength: 2 })),
    Env: fc.array(fc.constantFrom('K=V', 'K', '=x'), { maxLength: 2 }),
    WorkingDir: fc.constantFrom('/', '/w', 'rel', '/..'),
    Hostname: hostileString,
    Labels: fc.dictionary(hostileString, hostileString, { maxKeys: 2 }),
    ExposedPorts: fc.dictionary(fc.constantFrom('80/tcp', '99999', 'x'), fc.constant({})),
    Tty: fc.boolean(),
    HostConfig: hostConfig,
    NetworkingConfig: fc.constantFrom(
      { EndpointsConfig: { bridge: {} } },
      { EndpointsConfig: { other: {} } },
      { EndpointsConfig: 5 },
    ),
  },
  ['Image', 'Cmd'],
);
const execBody = nearly({
  Cmd: fc.oneof(fc.constant(['ls']), fc.array(hostileString, { maxLength: 2 })),
  Env: fc.array(hostileString, { maxLength: 2 }),
  WorkingDir: hostileString,
  AttachStdout: fc.boolean(),
  Tty: fc.boolean(),
  User: hostileString,
  Detach: fc.boolean(),
});

const bytes = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));
const body = (shaped: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 4, arbitrary: shaped.map((b) => Buffer.from(JSON.stringify(b))) },
    { weight: 1, arbitrary: hostileJson.map((b) => Buffer.from(JSON.stringify(b) ?? '')) },
    { weight: 1, arbitrary: bytes },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('', '{', '{"Image":', '[]', 'null', '{"__proto__":{"Image":"busybox"}}')
        .map((s) => Buffer.from(s)),
    },
  );
const noBody = fc.oneof(
  { weight: 4, arbitrary: fc.constant(Buffer.alloc(0)) },
  { weight: 1, arbitrary: body(hostileJson) },
);

const at = (method: string, path: (p: string) => string, b: fc.Arbitrary<Buffer> = noBody): fc.Arbitrary<ApiCase> =>
  fc.tuple(version, param, query, b).map(([v, p, q, bd]) => ({ method, target: `${v}${path(p)}${q}`, body: bd }));

const apiCase: fc.Arbitrary<ApiCase> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        version,
        fc.option(
          fc.oneof(
            fc.constantFrom('fz-ok', 'fz-a.b'),
            hostileString.map((s) => `fz-${s}`),
          ),
          { nil: undefined },
        ),
        query,
        body(createBody),
      )
      .map(([v, name, q, b]) => ({
        method: 'POST',
        target: `${v}/containers/create${name === undefined ? q : `?name=${pct(name)}`}`,
        body: b,
      })),
  },
  { weight: 2, arbitrary: at('GET', (p) => `/containers/${p}/json`) },
  { weight: 1, arbitrary: at('GET', () => '/containers/json') },
  { weight: 2, arbitrary: at('POST', (p) => `/containers/${p}/start`) },
  { weight: 1, arbitrary: at('POST', (p) => `/containers/${p}/stop`) },
  { weight: 1, arbitrary: at('POST', (p) => `/containers/${p}/restart`) },
  { weight: 1, arbitrary: at('POST', (p) => `/containers/${p}/kill`) },
  { weight: 1, arbitrary: at('POST', (p) => `/containers/${p}/pause`) },
  { weight: 1, arbitrary: at('POST', (p) => `/containers/${p}/wait`) },
  { weight: 1, arbitrary: at('DELETE', (p) => `/containers/${p}`) },
  { weight: 1, arbitrary: at('GET', (p) => `/containers/${p}/logs`) },
  { weight: 1, arbitrary: at('POST', (p) => `/containers/${p}/attach`) },
  { weight: 2, arbitrary: at('POST', (p) => `/containers/${p}/exec`, body(execBody)) },
  { weight: 1, arbitrary: at('POST', (p) => `/exec/${p}/start`, body(execBody)) },
  { weight: 1, arbitrary: at('GET', (p) => `/exec/${p}/json`) },
  { weight: 1, arbitrary: at('GET', () => '/images/json') },
  { weight: 1, arbitrary: at('GET', (p) => `/images/${p}/json`) },
  { weight: 1, arbitrary: at('POST', () => '/images/create') },
  { weight: 1, arbitrary: at('GET', () => '/events') },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH', 'BOGUS'), version, param, param, query)
      .map(([m, v, a, b, q]) => ({ method: m, target: `${v}/${a}/${b}${q}`, body: Buffer.alloc(0) })),
  },
);

describe('fuzz: the Engine API', () => {
  it('every request: a success or a typed 4xx with a message, never a 5xx or a hang; nothing created by a refusal', async () => {
    const params = fuzzParams('engine api', 1000);
    const cases = sampleCases(apiCase, params);
    const created = new Set<string>();
    const tally: Record<string, number> = {};
    const started = Date.now();
    const failures = await runConcurrently(cases, 8, async (c) => {
      const a = await send(suite.api.socketPath, c);
      const family = `${c.method} ${c.target.replace(/^\/v[^/]*/, '').split(/[/?]/)[1] ?? ''}`;
      tally[`${family} ${a.status}`] = (tally[`${family} ${a.status}`] ?? 0) + 1;
      if (a.status >= 200 && a.status < 400) {
        if (a.status === 201 && c.target.includes('/containers/create'))
          created.add((JSON.parse(a.text) as { Id: string }).Id);
        return;
      }
      if (isTypedRefusal(c, a)) return;
      throw new Error(`answered ${a.status} ${a.text.slice(0, 300)}`);
    });
    console.log(
      `[fuzz] engine api: ${cases.length} requests in ${Date.now() - started} ms, ${failures.length} failed; ${show(tally, 3000)}`,
    );
    expect(
      failureLines(failures, params, (c) => `${c.method} ${show(c.target)} ${show(c.body.toString('utf8'))}`),
    ).toEqual([]);
    // what is in the state was announced by a 201; no resource is held (nothing was started)
    const ids = (await suite.sim.list()).map((r) => r.Id);
    expect(ids.filter((id) => !created.has(id))).toEqual([]);
    expect(await suite.sim.driver.heldResources()).toEqual([]);
  }, 240_000);
});
