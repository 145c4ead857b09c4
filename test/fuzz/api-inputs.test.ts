import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseReference } from '../../registry/reference';
import { simulatedApiSuite } from '../api-harness';
import { hostileJson, hostileString, nearly } from './arbitraries';
import { failureLines, fuzzParams, runConcurrently, sampleCases, show } from './params';
import { isTypedRefusal, json, pct, send, type Answer, type ApiCase } from './raw-http';

/**
 * Targets, over the Engine API (in process, simulated driver, as api.test.ts): the inputs of exec (create body,
 * start body), attach and logs (their query parameters), the image routes (list filters, inspect names, pull)
 * and create's security-relevant fields (Privileged, CapAdd/CapDrop, SecurityOpt, Devices, Binds with odd
 * paths, PidMode, UsernsMode). Each case is valid (`good`: it must succeed, with the status named) or hostile
 * (a success or a typed 4xx with a message: never a 5xx, a hang or a crash); a refused create leaves no
 * container behind, and some hostile values must be refused (`mustRefuse`: never accepted and dropped).
 * Network routes do not exist yet: their target belongs here when they do (volume routes: api-volumes.test.ts).
 */

const suite = simulatedApiSuite('fuzz-api-inputs');
/** more at once only queues them at the shared dev server (and a loaded one then misses the answer deadline) */
const IN_FLIGHT = 8;
const RUNNING = 'fz-run';
const CREATED = 'fz-made';

interface Case extends ApiCase {
  /** the status a valid request must get */
  good?: number;
  /** a value that must never be accepted */
  mustRefuse?: string;
  /** a create's name, to look for after a refusal */
  name?: string;
  /** exec start: create an exec first (a valid one) and start that */
  freshExec?: boolean;
}

async function post(target: string, body: unknown = undefined): Promise<Answer> {
  return send(suite.api.socketPath, {
    method: 'POST',
    target,
    body: body === undefined ? Buffer.alloc(0) : json(body),
  });
}

beforeAll(async () => {
  for (const [name, start] of [
    [RUNNING, true],
    [CREATED, false],
  ] as const) {
    const made = await post(`/containers/create?name=${name}`, { Image: 'busybox', Cmd: ['sleep', '1000'] });
    expect(made.status, made.text).toBe(201);
    if (start) expect((await post(`/containers/${name}/start`)).status).toBe(204);
  }
}, 60_000);

/** Runs a target: every case checked, failures listed with the command that replays each. */
async function fuzzApi(
  target: string,
  arb: fc.Arbitrary<Case>,
  check: (c: Case, a: Answer) => Promise<void> = async () => undefined,
  inFlight = IN_FLIGHT,
): Promise<Record<string, number>> {
  const params = fuzzParams(target, 1000);
  const cases = sampleCases(arb, params);
  const tally: Record<string, number> = {};
  const started = Date.now();
  const failures = await runConcurrently(cases, inFlight, async (c) => {
    let req: ApiCase = c;
    if (c.freshExec) {
      const made = await post(`/containers/${RUNNING}/exec`, { Cmd: ['true'], AttachStdout: true });
      if (made.status !== 201) throw new Error(`exec create: ${made.status} ${made.text}`);
      req = { ...c, target: c.target.replace('{exec}', (JSON.parse(made.text) as { Id: string }).Id) };
    }
    const a = await send(suite.api.socketPath, req);
    const key = `${c.good !== undefined ? 'good' : 'hostile'} ${a.status}`;
    tally[key] = (tally[key] ?? 0) + 1;
    if (c.good !== undefined && a.status !== c.good) throw new Error(`valid, want ${c.good}: ${a.status} ${a.text}`);
    if (c.mustRefuse !== undefined && a.status < 400) throw new Error(`accepted ${c.mustRefuse}: ${a.status}`);
    if (a.status >= 400 && !isTypedRefusal(c, a)) throw new Error(`answered ${a.status} ${a.text.slice(0, 300)}`);
    if (a.status < 200) throw new Error(`no answer: ${a.status}`);
    await check(c, a);
  });
  console.log(`[fuzz] ${target}: ${cases.length} requests in ${Date.now() - started} ms: ${show(tally)}`);
  expect(
    failureLines(failures.slice(0, 10), params, (c) => `${c.method} ${show(c.target)} ${show(c.body.toString())}`),
  ).toEqual([]);
  return tally;
}

/** A target's generator reached these outcomes (not asked of a replay of one case). */
function expectReached(tally: Record<string, number>, ...outcomes: string[]): void {
  if (process.env.FUZZ_CASE) return;
  for (const o of outcomes) expect(tally[o], `${o} in ${show(tally)}`).toBeGreaterThan(0);
}

const containerRef = fc.oneof(
  { weight: 4, arbitrary: fc.constant(RUNNING) },
  { weight: 1, arbitrary: fc.constant(CREATED) },
  { weight: 1, arbitrary: fc.constantFrom('nosuch', '..', 'a%00b', '%2F') },
  { weight: 1, arbitrary: hostileString.filter((s) => !/^\/?fz-/.test(s)).map(pct) },
);
const bytes = fc.uint8Array({ maxLength: 48 }).map((a) => Buffer.from(a));
/** A body: the shaped one mostly, else any JSON, bytes or a broken document. */
const bodyOf = (shaped: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 6, arbitrary: shaped.map(json) },
    { weight: 1, arbitrary: hostileJson.map(json) },
    { weight: 1, arbitrary: bytes },
    { weight: 1, arbitrary: fc.constantFrom('', '{', '[]', 'null', '{"Cmd":').map((s) => Buffer.from(s)) },
  );

// --- exec ----------------------------------------------------------------------------------------------------

const goodWord = fc.constantFrom('ls', '-l', '/', 'sh', '-c', 'echo hi; exit 0', 'é', '💥', '$(id)', '');
const goodExecBody = fc.record(
  {
    Cmd: fc.array(goodWord, { minLength: 1, maxLength: 4 }).filter((c) => c[0] !== ''),
    Env: fc.array(fc.constantFrom('K=V', 'A=', 'B=a=b', 'PASSWORD=s3cret'), { maxLength: 3 }),
    WorkingDir: fc.constantFrom('', '/', '/tmp', '/a/../b'),
    AttachStdout: fc.boolean(),
    AttachStderr: fc.boolean(),
    AttachStdin: fc.constant(false),
    Tty: fc.constant(false),
    Privileged: fc.constant(false),
    User: fc.constant(''),
    DetachKeys: fc.constantFrom('', 'ctrl-p,ctrl-q'),
  },
  { requiredKeys: ['Cmd'] },
);
const hostileExecBody = nearly(
  {
    Cmd: fc.oneof(fc.array(hostileString, { maxLength: 3 }), fc.constant('sh'), fc.constant([])),
    Env: fc.array(hostileString, { maxLength: 3 }),
    WorkingDir: hostileString,
    User: fc.oneof(fc.constantFrom('root', '0', '0:0', 'nobody'), hostileString),
    AttachStdin: fc.boolean(),
    AttachStdout: fc.boolean(),
    AttachStderr: fc.boolean(),
    Tty: fc.boolean(),
    Privileged: fc.boolean(),
    DetachKeys: hostileString,
    ConsoleSize: fc.constantFrom([24, 80], [0, 0], [-1, 2 ** 40], 'x'),
  },
  ['Cmd'],
);
const execCreate: fc.Arbitrary<Case> = fc.oneof(
  {
    weight: 1,
    arbitrary: goodExecBody.map((b) => ({
      method: 'POST',
      target: `/containers/${RUNNING}/exec`,
      body: json(b),
      good: 201,
    })),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(containerRef, bodyOf(hostileExecBody)).map(([ref, body]) => ({
      method: 'POST',
      target: `/containers/${ref}/exec`,
      body,
    })),
  },
);
const execStartBody = nearly({ Detach: fc.boolean(), Tty: fc.boolean(), ConsoleSize: fc.constant([24, 80]) });
const execStart: fc.Arbitrary<Case> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.boolean().map((detach) => ({
      method: 'POST',
      target: '/exec/{exec}/start',
      body: json({ Detach: detach, Tty: false }),
      freshExec: true,
      good: 200,
    })),
  },
  {
    weight: 1,
    arbitrary: bodyOf(execStartBody).map((body) => ({
      method: 'POST',
      target: '/exec/{exec}/start',
      body,
      freshExec: true,
    })),
  },
  {
    weight: 16,
    arbitrary: fc
      .tuple(fc.oneof(fc.constant('f'.repeat(64)), hostileString.map(pct)), fc.constantFrom('start', 'json', 'resize'))
      .chain(([id, verb]) =>
        bodyOf(execStartBody).map((body) => ({
          method: verb === 'json' ? 'GET' : 'POST',
          target: `/exec/${id}/${verb}`,
          body,
        })),
      ),
  },
);

describe('fuzz: exec over the Engine API', () => {
  it('exec create: a valid body on a running container is a 201; any other a 201 or a typed 4xx', async () => {
    const tally = await fuzzApi('api exec create', execCreate);
    expectReached(tally, 'good 201');
    expectReached(tally, 'hostile 400');
  }, 300_000);

  it('exec start: a new exec starts (200); a hostile body or ID is a 200 or a typed 4xx', async () => {
    // each fresh exec is a workflow that ends at once: fewer at a time keep a loaded dev server within the deadline
    const tally = await fuzzApi('api exec start', execStart, undefined, 4);
    expectReached(tally, 'good 200');
  }, 300_000);
});

// --- attach and logs -----------------------------------------------------------------------------------------

const BOOLS = ['0', '1', 'true', 'false', 'TRUE', ''];
const goodValue: Record<string, fc.Arbitrary<string>> = {
  stream: fc.constantFrom(...BOOLS),
  stdin: fc.constantFrom('0', 'false', ''),
  stdout: fc.constantFrom('1', 'true'),
  stderr: fc.constantFrom(...BOOLS),
  logs: fc.constantFrom(...BOOLS),
  follow: fc.constantFrom(...BOOLS),
  timestamps: fc.constantFrom(...BOOLS),
  detachKeys: fc.constantFrom('ctrl-p,ctrl-q', 'ctrl-x', ''),
  since: fc.constantFrom('0', '1700000000', '1700000000.5', ''),
  until: fc.constantFrom('0', '4102444800', ''),
  tail: fc.constantFrom('all', '0', '10', ''),
};
const streamKeys = Object.keys(goodValue);
const hostileValue = fc.oneof(
  fc.constantFrom(
    '2',
    'yes',
    '-1',
    '1e3',
    '99999999999999999999',
    '2026-11-30T23:30:00Z',
    '10m',
    'ctrl-',
    'ctrl-ü',
    'a,b',
  ),
  hostileString,
);
const query = (pairs: Array<[string, string]>) =>
  pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&')}`;
const goodQuery = (keys: string[]) =>
  fc
    .tuple(...keys.map((k) => fc.option(goodValue[k]!, { nil: undefined }).map((v) => [k, v] as const)))
    .map((kv) =>
      kv.filter((p): p is readonly [string, string] => p[1] !== undefined).map(([k, v]) => [k, v] as [string, string]),
    );
const hostileQuery = fc.array(
  fc.tuple(
    fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...streamKeys) }, { weight: 1, arbitrary: hostileString }),
    fc.oneof(hostileValue, ...Object.values(goodValue)),
  ),
  { maxLength: 5 },
);
const LOGS_KEYS = ['stderr', 'follow', 'timestamps', 'since', 'until', 'tail'];
const ATTACH_KEYS = ['stream', 'stdin', 'stderr', 'logs', 'detachKeys'];
const streams: fc.Arbitrary<Case> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(RUNNING, CREATED), fc.constantFrom('logs', 'attach'), goodValue.stdout!)
      .chain(([ref, verb, stdout]) =>
        goodQuery(verb === 'logs' ? LOGS_KEYS : ATTACH_KEYS).map((q) => ({
          method: verb === 'logs' ? 'GET' : 'POST',
          target: `/containers/${ref}/${verb}${query([['stdout', stdout], ...q])}`,
          body: Buffer.alloc(0),
          good: 200,
        })),
      ),
  },
  {
    weight: 7,
    arbitrary: fc.tuple(containerRef, fc.constantFrom('logs', 'attach'), hostileQuery).map(([ref, verb, q]) => ({
      method: verb === 'logs' ? 'GET' : 'POST',
      target: `/containers/${ref}/${verb}${query(q)}`,
      body: Buffer.alloc(0),
    })),
  },
);

describe('fuzz: attach and logs over the Engine API', () => {
  it('valid parameters stream (200); hostile ones are a 200 or a typed 4xx', async () => {
    const tally = await fuzzApi('api attach and logs', streams);
    expectReached(tally, 'good 200');
    expectReached(tally, 'hostile 400');
  }, 300_000);
});

// --- images --------------------------------------------------------------------------------------------------

const goodFilters = fc.constantFrom(
  '',
  '{}',
  '{"reference":["busybox"]}',
  '{"reference":["busy*"]}',
  '{"reference":["busybox:latest","nosuch"]}',
  '{"dangling":["false"]}',
  '{"dangling":["true"]}',
  '{"label":["a=b"]}',
  '{"before":["busybox"]}',
  '{"since":["busybox:latest"]}',
);
/** Hostile filters, runs of `*` included (globMatch once backtracked exponentially on them). */
const hostileFilters = fc.oneof(
  fc.constantFrom(
    '{"reference":["../.."]}',
    `{"reference":["${'*'.repeat(40)}!"]}`,
    '{"reference":["["]}',
    '{"reference":["\\u0000"]}',
    '{"dangling":["maybe"]}',
    '{"before":["nosuch"]}',
    '{"since":[""]}',
    '{"bogus":["x"]}',
    '{"reference":"busybox"}',
    '{"reference":[1]}',
    '[]',
    'null',
    '{',
  ),
  fc
    .dictionary(
      fc.constantFrom('reference', 'dangling', 'label', 'before', 'since', 'x'),
      fc.array(hostileString, { maxLength: 2 }),
      { maxKeys: 2 },
    )
    .map((f) => JSON.stringify(f)),
  hostileJson.map((j) => JSON.stringify(j) ?? ''),
);
const imageName = fc.oneof(
  fc.constantFrom(
    'nosuch',
    'busybox:nosuch',
    'BUSYBOX',
    '..',
    '../../etc/passwd',
    'sha256:',
    'sha256:zz',
    'a'.repeat(300),
  ),
  hostileString,
);
const parses = (ref: string) => {
  try {
    parseReference(ref);
    return true;
  } catch {
    return false;
  }
};
const images: fc.Arbitrary<Case> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc
      .tuple(goodFilters, fc.constantFrom('', '0', '1', 'true'), fc.constantFrom('', '0', '1'))
      .map(([f, all, digests]) => ({
        method: 'GET',
        target: `/images/json${query([['all', all], ['digests', digests], ...(f ? ([['filters', f]] as [string, string][]) : [])])}`,
        body: Buffer.alloc(0),
        good: 200,
      })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('busybox', 'busybox:latest').map((n) => ({
      method: 'GET',
      target: `/images/${pct(n)}/json`,
      body: Buffer.alloc(0),
      good: 200,
    })),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(hostileFilters, hostileValue).map(([f, all]) => ({
      method: 'GET',
      target: `/images/json${query([
        ['filters', f],
        ['all', all],
      ])}`,
      body: Buffer.alloc(0),
    })),
  },
  {
    weight: 2,
    arbitrary: imageName.map((n) => ({ method: 'GET', target: `/images/${pct(n)}/json`, body: Buffer.alloc(0) })),
  },
  {
    weight: 1,
    // references that do not parse: Docker's 400 before any workflow runs (a pull that reaches a registry is
    // test/e2e/image-pull.test.ts's, on loopback)
    arbitrary: fc
      .tuple(imageName, fc.option(hostileString, { nil: undefined }))
      .filter(([n, tag]) => !parses(tag ? `${n}${tag.includes(':') ? '@' : ':'}${tag}` : n))
      .map(([n, tag]) => ({
        method: 'POST',
        target: `/images/create${query([['fromImage', n], ...(tag === undefined ? [] : ([['tag', tag]] as [string, string][]))])}`,
        body: Buffer.alloc(0),
        mustRefuse: 'a pull of a malformed reference',
      })),
  },
);

describe('fuzz: the image routes of the Engine API', () => {
  it('valid lists and inspects are a 200; hostile filters and names a 200 or a typed 4xx; a pull a 400', async () => {
    const tally = await fuzzApi('api images', images);
    expectReached(tally, 'good 200');
    expectReached(tally, 'hostile 404');
    expectReached(tally, 'hostile 400');
  }, 300_000);
});

// --- create: the security-relevant fields ----------------------------------------------------------------------

const goodSecurity = fc.record(
  {
    Privileged: fc.boolean(),
    CapAdd: fc.array(fc.constantFrom('NET_ADMIN', 'SYS_PTRACE', 'CAP_NET_RAW', 'ALL'), { maxLength: 2 }),
    CapDrop: fc.array(fc.constantFrom('ALL', 'CHOWN', 'cap_kill'), { maxLength: 2 }),
    SecurityOpt: fc.array(fc.constantFrom('no-new-privileges', 'no-new-privileges:true'), { maxLength: 1 }),
    // each destination once: two mounts at one point are Docker's 400 `Duplicate mount point`
    Binds: fc.uniqueArray(fc.constantFrom('/tmp:/x', '/tmp:/y:ro', 'data:/data', '/-o:/z'), { maxLength: 2 }),
    ReadonlyRootfs: fc.boolean(),
    IpcMode: fc.constantFrom('', 'private', 'shareable'),
    NetworkMode: fc.constantFrom('', 'bridge', 'none'),
    Devices: fc.constant([]),
    PidMode: fc.constant(''),
    UsernsMode: fc.constant(''),
  },
  { requiredKeys: [] },
);
const oddPath = fc.oneof(
  fc.constantFrom('rel/x', './x', '..', '../..', '/a/../../etc', '-o', '--help', '-v', '/tmp\0x', 'a\0b', '', ' ', '~'),
  fc.integer({ min: 256, max: 70_000 }).map((n) => `/${'a'.repeat(n)}`),
  hostileString,
);
const oddBind = fc
  .tuple(
    oddPath,
    fc.oneof(fc.constantFrom('/x', 'x', '/', '-o', '/a\0b'), oddPath),
    fc.constantFrom('', ':ro', ':rw', ':z', ':bogus', ':ro:ro'),
  )
  .map(([h, c, m]) => `${h}:${c}${m}`);
const device = fc.record({
  PathOnHost: fc.oneof(fc.constantFrom('/dev/null', '/dev/sda', '/dev/mem'), oddPath),
  PathInContainer: fc.oneof(fc.constant('/dev/x'), oddPath),
  CgroupPermissions: fc.constantFrom('rwm', 'r', 'x', ''),
});
const hostileSecurity = nearly({
  Privileged: fc.oneof(fc.boolean(), fc.constantFrom(1, 'true', null)),
  CapAdd: fc.array(fc.oneof(fc.constantFrom('SYS_ADMIN', 'ALL', 'all', 'CAP_SYS_MODULE', 'BOGUS', ''), hostileString), {
    maxLength: 3,
  }),
  CapDrop: fc.array(fc.oneof(fc.constantFrom('ALL', 'NOPE'), hostileString), { maxLength: 2 }),
  SecurityOpt: fc.array(
    fc.oneof(
      fc.constantFrom(
        'seccomp=unconfined',
        'apparmor=unconfined',
        'label=disable',
        'label:disable',
        'seccomp=/etc/passwd',
        'no-new-privileges=false',
        'bogus',
        '=',
      ),
      hostileString,
    ),
    { maxLength: 2 },
  ),
  Binds: fc.array(fc.oneof({ weight: 3, arbitrary: oddBind }, { weight: 1, arbitrary: hostileString }), {
    maxLength: 2,
  }),
  Devices: fc.array(device, { minLength: 1, maxLength: 2 }),
  PidMode: fc.constantFrom('host', 'container:fz-run', 'bogus'),
  UsernsMode: fc.constantFrom('host', 'bogus'),
  IpcMode: fc.oneof(fc.constantFrom('host', 'container:fz-run', 'none', 'bogus'), hostileString),
  NetworkMode: fc.oneof(fc.constantFrom('host', 'container:fz-run', 'container:..', 'default'), hostileString),
  ReadonlyRootfs: fc.boolean(),
  Sysctls: fc.constantFrom({ 'net.ipv4.ip_forward': '1' }, { 'kernel.core_pattern': '|/x' }),
});
/** What must be refused: set, Docker's create would honour it and container-saga cannot. */
function mustRefuse(hc: Record<string, unknown>): string | undefined {
  if (typeof hc.PidMode === 'string' && hc.PidMode !== '') return 'PidMode';
  if (typeof hc.UsernsMode === 'string' && hc.UsernsMode !== '') return 'UsernsMode';
  if (hc.Sysctls !== undefined && JSON.stringify(hc.Sysctls) !== '{}') return 'Sysctls';
  if (Array.isArray(hc.Binds) && hc.Binds.some((b) => typeof b === 'string' && b.includes('\0')))
    return 'a NUL byte in Binds';
  return undefined;
}
let nextName = 0;
const createSecurity: fc.Arbitrary<Case> = fc
  .oneof(
    {
      weight: 1,
      arbitrary: goodSecurity.map((hc) => ({
        method: 'POST',
        target: '/containers/create',
        body: json({ Image: 'busybox', Cmd: ['true'], HostConfig: hc }),
        good: 201,
      })),
    },
    {
      weight: 7,
      arbitrary: hostileSecurity.map((hc) => {
        const refuse = mustRefuse(hc);
        return {
          method: 'POST',
          target: '/containers/create',
          body: json({ Image: 'busybox', Cmd: ['true'], HostConfig: hc }),
          ...(refuse ? { mustRefuse: refuse } : {}),
        };
      }),
    },
  )
  .map((c) => {
    const name = `fz-sec-${nextName++}`;
    return { ...c, target: `${c.target}?name=${name}`, name };
  });

describe('fuzz: the security-relevant fields of create over the Engine API', () => {
  it('valid ones create (201); hostile ones a 201 or a typed 4xx, what must be refused is, and a refusal leaves nothing', async () => {
    const created = new Set<string>();
    // a refusal leaves nothing: the fz-sec- containers in the state are exactly the ones a 201 announced (below)
    const tally = await fuzzApi('api create security fields', createSecurity, async (_c, a) => {
      if (a.status === 201) created.add((JSON.parse(a.text) as { Id: string }).Id);
    });
    expectReached(tally, 'good 201');
    expectReached(tally, 'hostile 400');
    const ids = (await suite.sim.list()).filter((r) => r.Name.startsWith('/fz-sec-')).map((r) => r.Id);
    expect(ids.sort()).toEqual([...created].sort());
  }, 300_000);
});

describe('fuzz: the Engine API after the targets', () => {
  it('holds nothing but the one running container, which is then removed', async () => {
    const removed = await send(suite.api.socketPath, {
      method: 'DELETE',
      target: `/containers/${RUNNING}?force=1`,
      body: Buffer.alloc(0),
    });
    expect(removed.status, removed.text).toBe(204);
    expect(await suite.sim.driver.heldResources()).toEqual([]);
  }, 60_000);
});
