import { promises as fs } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isVolumeName } from '../../common/settings';
import { simulatedApiSuite } from '../api-harness';
import { hostileJson, hostileString, nearly } from './arbitraries';
import { failureLines, fuzzParams, runConcurrently, sampleCases, show } from './params';
import { isTypedRefusal, json, pct, send, type Answer, type ApiCase } from './raw-http';

/**
 * Target, over the Engine API (in process, simulated driver, as api-inputs.test.ts): the volume routes (create
 * bodies, list and prune filters, names in paths, remove's force). Each case is valid (`good`: it must get
 * that status) or hostile (a success or a typed 4xx with a message: never a 5xx, a hang or a crash). A volume
 * a container uses is never removed, whatever the request; a create refused leaves no volume of its name; no
 * name outside Docker's rule is ever a volume.
 */

const suite = simulatedApiSuite('fuzz-api-volumes');
const IN_FLIGHT = 8;
/** mounted by a container made in beforeAll: every rm and prune must leave it */
const USED = 'fz-used';

interface Case extends ApiCase {
  good?: number;
  /** a create's name, looked for after a refusal */
  name?: string;
}

const query = (pairs: Array<[string, string]>) =>
  pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&')}`;
const req = (method: string, target: string, body?: unknown): Case => ({
  method,
  target,
  body: body === undefined ? Buffer.alloc(0) : json(body),
});

beforeAll(async () => {
  const made = await send(
    suite.api.socketPath,
    req('POST', '/containers/create', { Image: 'busybox', Cmd: ['true'], HostConfig: { Binds: [`${USED}:/d`] } }),
  );
  expect(made.status, made.text).toBe(201);
}, 60_000);

const volumeName = fc.oneof(
  { weight: 2, arbitrary: fc.stringMatching(/^fz-[a-z0-9_.-]{1,12}$/) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('a/b', '..', '.hidden', '-x', 'x', '', 'a b', 'a%00b', 'é', 'x'.repeat(300)),
  },
  { weight: 1, arbitrary: hostileString },
);
const labels = fc.oneof(
  fc.dictionary(fc.constantFrom('a', 'b.c', 'com.docker.volume.anonymous'), fc.constantFrom('', 'v')),
  fc.dictionary(hostileString, hostileString, { maxKeys: 2 }),
);
const createBody = nearly({
  Name: volumeName,
  Labels: labels,
  Driver: fc.constantFrom('', 'local', 'nfs', hostileString as unknown as string),
  DriverOpts: fc.oneof(fc.constant({}), fc.dictionary(fc.constantFrom('type', 'o', 'bogus'), hostileString)),
});
const filters = fc.oneof(
  fc.constantFrom('', '{}', '{"dangling":["true"]}', '{"label":["a"]}', '{"name":["fz-"]}', '{"all":["1"]}'),
  fc.constantFrom('{"dangling":["maybe"]}', '{"bogus":["x"]}', '{"name":"x"}', '{"label!":["a"]}', '[]', 'null', '{'),
  fc
    .dictionary(
      fc.constantFrom('name', 'label', 'label!', 'dangling', 'driver', 'all', 'x'),
      fc.array(hostileString, { maxLength: 2 }),
      { maxKeys: 2 },
    )
    .map((f) => JSON.stringify(f)),
);
const forceValue = fc.constantFrom('', '0', '1', 'true', 'maybe');

const volumes: fc.Arbitrary<Case> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.stringMatching(/^fz-[a-z0-9]{1,10}$/), fc.dictionary(fc.constantFrom('a', 'b'), fc.constant('v')))
      .map(([Name, Labels]) => ({ ...req('POST', '/volumes/create', { Name, Labels }), good: 201, name: Name })),
  },
  { weight: 1, arbitrary: fc.constant({ ...req('GET', `/volumes/${USED}`), good: 200 }) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('', '{"dangling":["false"]}', '{"label":["a=v"]}')
      .map((f) => ({ ...req('GET', `/volumes${f ? query([['filters', f]]) : ''}`), good: 200 })),
  },
  {
    weight: 3,
    arbitrary: fc.oneof(createBody, hostileJson).map((b) => ({
      ...req('POST', '/volumes/create', b),
      name: (b as { Name?: unknown } | null)?.Name as string | undefined,
    })),
  },
  { weight: 1, arbitrary: filters.map((f) => req('GET', `/volumes${query([['filters', f]])}`)) },
  { weight: 1, arbitrary: volumeName.map((n) => req('GET', `/volumes/${pct(n)}`)) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.oneof(volumeName, fc.constant(USED)), forceValue)
      .map(([n, f]) => req('DELETE', `/volumes/${pct(n)}${query([['force', f]])}`)),
  },
  { weight: 1, arbitrary: filters.map((f) => req('POST', `/volumes/prune${query([['filters', f]])}`)) },
);

const volumeDir = (name: string) => path.join(suite.sim.driver.layout.volumes, name);

describe('fuzz: the volume routes of the Engine API', () => {
  it('valid creates, lists and inspects succeed; hostile ones a success or a typed 4xx; nothing in use goes', async () => {
    const params = fuzzParams('api volumes', 1000);
    const cases = sampleCases(volumes, params);
    const tally: Record<string, number> = {};
    const started = Date.now();
    const failures = await runConcurrently(cases, IN_FLIGHT, async (c) => {
      const a: Answer = await send(suite.api.socketPath, c);
      const key = `${c.good !== undefined ? 'good' : 'hostile'} ${a.status}`;
      tally[key] = (tally[key] ?? 0) + 1;
      if (c.good !== undefined && a.status !== c.good) throw new Error(`valid, want ${c.good}: ${a.status} ${a.text}`);
      if (a.status >= 400 && !isTypedRefusal(c, a)) throw new Error(`answered ${a.status} ${a.text.slice(0, 300)}`);
      if (a.status < 200) throw new Error(`no answer: ${a.status}`);
      if (c.target.startsWith('/volumes/create') && a.status >= 400 && typeof c.name === 'string' && c.name) {
        // (a name that is one path component: a bad driver or option refuses a valid name too)
        if (!/[/\0]/.test(c.name) && c.name !== '.' && c.name !== '..')
          expect(await fs.stat(volumeDir(c.name)).catch(() => undefined), `refused ${c.name} left`).toBeUndefined();
      }
    });
    console.log(`[fuzz] api volumes: ${cases.length} requests in ${Date.now() - started} ms: ${show(tally)}`);
    expect(
      failureLines(failures.slice(0, 10), params, (c) => `${c.method} ${show(c.target)} ${show(c.body.toString())}`),
    ).toEqual([]);
    // the volume in use survived every rm and prune; no name outside Docker's rule became a volume
    expect((await fs.stat(path.join(volumeDir(USED), '_data'))).isDirectory()).toBe(true);
    const names = await fs.readdir(suite.sim.driver.layout.volumes);
    expect(names.filter((n) => !isVolumeName(n) && n !== '.lock')).toEqual([]);
    if (!process.env.FUZZ_CASE) {
      for (const o of ['good 201', 'good 200', 'hostile 400', 'hostile 404', 'hostile 409'])
        expect(tally[o], `${o} in ${show(tally)}`).toBeGreaterThan(0);
    }
  }, 300_000);
});
