import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createContainer } from '../../client/api';
import { setHostAvailability } from '../../client/hosts';
import { CliError } from '../../client/errors';
import { DEFAULT_PATH_ENV } from '../../common/env';
import type { HostRow } from '../../common/hosts-api';
import type { ContainerStartResult } from '../../common/start-api';
import type { ContainerEvent, ContainerRecord } from '../../common/types';
import { sampleLog } from '../../runtime/log-index';
import type { SimulatedRuntime } from '../../runtime/simulated-runtime';
import { simulatedRuntime } from '../runtimes';
import { cli, startTestWorker, type TestWorker, until } from '../harness';

// End to end through the real CLI (`node bin/container-saga.cjs`, a child process) on the shared dev server,
// with an in-process worker on this file's own task queue driving the simulated runtime in a temp root.

let w: TestWorker;
let root: string;
let sim: SimulatedRuntime;
/** the host the test worker runs as (CONTAINER_SAGA_HOST for a real worker) */
const HOST = 'cs-sim-host';

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-e2e-sim-'));
  sim = simulatedRuntime(root, { host: HOST });
  w = await startTestWorker(inject('temporalAddress'), sim);
});

afterAll(async () => {
  await w?.shutdown();
  if (root) await fs.rm(root, { recursive: true, force: true });
});

const STEPS = [
  'lookup',
  'check-state',
  'verify-settings',
  'claim',
  'default-net-mode',
  'mount-rootfs',
  'network',
  'ipc',
  'volumes',
  'links',
  'working-dir',
  'daemon-env',
  'spec',
  'process',
  'mark-running',
];

const shownSteps = (stderr: string) => [...stderr.matchAll(/^ {2}✓ (\S+)$/gm)].map((m) => m[1]);
const shownCompensations = (stderr: string) => [...stderr.matchAll(/^ {2}↺ (\S+)$/gm)].map((m) => m[1]);
const noStackTrace = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at /);

async function inspect(name: string): Promise<ContainerRecord> {
  const r = await cli(w, ['inspect', name]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as ContainerRecord[])[0]!;
}

async function eventsOf(id: string): Promise<string[]> {
  const r = await cli(w, ['events', '--no-follow', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ContainerEvent)
    .filter((e) => e.id === id)
    .map((e) => e.action);
}

// Three independent containers: their stories run side by side.
describe.concurrent('container-saga CLI on the dev server (simulated driver)', () => {
  it('create + start: live steps, then inspect, ps, a second start (304) and events', async () => {
    const created = await cli(
      w,
      [
        'create',
        '--name',
        'web',
        '-e',
        'A=1',
        '-e',
        'PASSED',
        '-e',
        'CS_E2E_UNSET',
        '--expose',
        '80',
        'busybox',
        'sleep',
        '1000',
      ],
      { PASSED: 'through', CS_E2E_UNSET: undefined },
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    const id = created.stdout.trim();

    const started = await cli(w, ['start', 'web']);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toBe('web\n');
    expect(shownSteps(started.stderr)).toEqual(STEPS);
    expect(shownCompensations(started.stderr)).toEqual([]);

    const [rec, ps, status] = await Promise.all([
      inspect('web'),
      cli(w, ['ps']),
      cli(w, ['inspect', '--format', '{{.State.Status}} {{.State.Pid}}', 'web']),
    ]);
    expect(rec.Id).toBe(id);
    expect(rec.Name).toBe('/web');
    expect(rec.State).toMatchObject({ Status: 'running', Running: true, ExitCode: 0, Error: '' });
    expect(rec.State.Pid).toBeGreaterThan(0);
    expect(rec.NetworkSettings.IPAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // -e KEY passes KEY's value from the CLI's environment, or the bare name when unset (Docker's ValidateEnv).
    // then the image's (busybox's PATH), as Docker merges them
    expect(rec.Config.Env).toEqual(['A=1', 'PASSED=through', 'CS_E2E_UNSET', DEFAULT_PATH_ENV]);
    // Docker's columns, then the container's host
    expect(ps.stdout).toMatch(/^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES\s+HOST\n/);
    expect(ps.stdout).toMatch(
      new RegExp(`\\n${id.slice(0, 12)}\\s+busybox\\s+"sleep 1000"\\s+.* ago\\s+Up .*80/tcp\\s+web\\s+${HOST}\\n`),
    );
    expect(status.stdout).toBe(`running ${rec.State.Pid}\n`);

    // Starting a running container is Docker's 304: done, not an error.
    const again = await cli(w, ['start', 'web']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe('web\n');
    noStackTrace(again.stderr);

    expect(await eventsOf(id)).toEqual(['create', 'start']);
  });

  it('an injected failure: Docker error, compensations in reverse, recorded, nothing left behind', async () => {
    // With a volume, so the saga runs its volumes step (it skips it for a container with nothing to mount).
    const created = await cli(w, [
      'create',
      '--name',
      'broken',
      '-v',
      'brokenvol:/data',
      '--label',
      'container-saga.faults=volumes=fail',
      'busybox',
      'sleep',
      '1000',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const id = created.stdout.trim();

    const started = await cli(w, ['start', 'broken']);
    expect(started.code, `${started.stdout}${started.stderr}`).toBe(1);
    expect(started.stdout).toBe('');
    expect(started.stderr).toContain(
      '\nError response from daemon: injected failure at volumes\nError: failed to start containers: broken\n',
    );
    // volumes runs at once with rootfs, network and IPC: those finish, then all four are undone
    expect(shownSteps(started.stderr)).toEqual(STEPS.slice(0, STEPS.indexOf('volumes')));
    expect(shownCompensations(started.stderr)).toEqual([
      'unmount-volumes',
      'unmount-ipc',
      'release-network',
      'unmount-rootfs',
    ]);
    noStackTrace(started.stderr);

    const rec = await inspect('broken');
    expect(rec.State).toMatchObject({
      Status: 'created',
      Running: false,
      Pid: 0,
      ExitCode: 128,
      Error: 'injected failure at volumes',
    });
    expect(rec.NetworkSettings.IPAddress).toBe('');
    // The test (not the CLI) may read the driver's records: no mount, netns, IP, bundle or process is left.
    expect((await sim.heldResources()).filter((h) => h.containerId === id)).toEqual([]);
    expect(await eventsOf(id)).toEqual(['create', 'die']);
  });

  it('start --json prints the saga record; flags after IMAGE belong to the command', async () => {
    const created = await cli(w, ['create', '--name', 'json1', 'busybox', 'sh', '-c', 'sleep 1000', '-x']);
    expect(created.code, created.stderr).toBe(0);
    const r = await cli(w, ['start', '--json', 'json1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(''); // no live lines with --json
    const results = JSON.parse(r.stdout) as ContainerStartResult[];
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      containerId: created.stdout.trim(),
      name: 'json1',
      status: 'running',
      compensations: [],
      leftovers: [],
    });
    expect(results[0]!.steps).toEqual(STEPS);
    expect(results[0]!.pid).toBeGreaterThan(0);

    const cmd = await cli(w, ['inspect', '-f', '{{json .Config.Cmd}}', 'json1']);
    expect(JSON.parse(cmd.stdout)).toEqual(['sh', '-c', 'sleep 1000', '-x']);

    // a setting this host discards: Docker's warning on stderr, the ID on stdout
    const warned = await cli(w, ['create', '--name', 'warned1', '--oom-kill-disable', 'busybox', 'sleep', '1']);
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stderr).toBe('WARNING: Your kernel does not support OomKillDisable. OomKillDisable discarded.\n');
    expect(warned.stdout).toMatch(/^[0-9a-f]{64}\n$/);
  });

  it('the monitor: an exited container holds nothing; on-failure:2 restarts it twice, with events', async () => {
    // `true` ends at once (the simulated driver's short commands): Docker's Cleanup releases everything
    const created = await cli(w, ['create', '--name', 'once2', 'busybox', 'true']);
    const onceId = created.stdout.trim();
    expect((await cli(w, ['start', 'once2'])).code).toBe(0);
    const exited = await until('once2 to exit and be cleaned up', async () => {
      const rec = await inspect('once2');
      return !rec.State.Running && (await sim.heldResources()).every((h) => h.containerId !== onceId) ? rec : undefined;
    });
    expect([exited.State.Status, exited.State.ExitCode, exited.RestartCount]).toEqual(['exited', 0, 0]);

    const flaky = await cli(w, [
      'create',
      '--name',
      'flaky',
      '--restart',
      'on-failure:2',
      'busybox',
      'sh',
      '-c',
      'exit 3',
    ]);
    const flakyId = flaky.stdout.trim();
    expect((await cli(w, ['start', 'flaky'])).code).toBe(0);
    const done = await until('flaky to be restarted twice and stay down', async () => {
      const rec = await inspect('flaky');
      const events = await eventsOf(flakyId);
      return rec.RestartCount === 2 &&
        !rec.State.Running &&
        !rec.State.Restarting &&
        events.filter((e) => e === 'die').length === 3
        ? { rec, events }
        : undefined;
    });
    expect([done.rec.State.Status, done.rec.State.ExitCode]).toEqual(['exited', 3]);
    expect(done.events).toEqual(['create', 'start', 'die', 'restart', 'start', 'die', 'restart', 'start', 'die']);
    expect((await sim.heldResources()).filter((h) => h.containerId === flakyId)).toEqual([]);
  });

  it('run, run --rm, run -d --rm, wait and restart', async () => {
    const exited = await cli(w, ['run', '--name', 'run3', 'busybox', 'sh', '-c', 'exit 3']);
    expect([exited.code, exited.stdout]).toEqual([3, '']);
    const waited = await cli(w, ['wait', 'run3']);
    expect([waited.code, waited.stdout]).toEqual([0, '3\n']);
    expect((await inspect('run3')).State).toMatchObject({ Status: 'exited', ExitCode: 3 });

    const removed = await cli(w, ['run', '--rm', '--name', 'gone', 'busybox', 'sh', '-c', 'exit 2']);
    expect(removed.code).toBe(2);
    expect((await cli(w, ['inspect', 'gone'])).code).toBe(1);

    const detached = await cli(w, ['run', '-d', '--rm', '--name', 'gone2', 'busybox', 'true']);
    expect(detached.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    for (let i = 0; i < 100 && (await cli(w, ['inspect', 'gone2'])).code === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect((await cli(w, ['inspect', 'gone2'])).stderr).toMatch(/No such object: gone2/);
    const conflict = await cli(w, ['run', '-d', '--rm', '--restart', 'always', 'busybox', 'true']);
    expect([conflict.code, conflict.stderr.trim()]).toEqual([
      125,
      "Error response from daemon: can't create 'AutoRemove' container with restart policy",
    ]);

    const up = await cli(w, ['run', '-d', '--name', 'again', 'busybox', 'sleep', '1000']);
    expect(up.code, up.stderr).toBe(0);
    const before = await inspect('again');
    const restarted = await cli(w, ['restart', '-t', '0', 'again']);
    expect([restarted.code, restarted.stdout]).toEqual([0, 'again\n']);
    const after = await inspect('again');
    expect([after.State.Running, after.State.StartedAt > before.State.StartedAt]).toEqual([true, true]);
  });

  it('logs of any size: 20 MB through bounded pages, --tail, -f of a stopped container, a bad --tail (125)', async () => {
    const created = await cli(w, ['create', '--name', 'chatty', 'busybox', 'sleep', '1000']);
    expect(created.code, created.stderr).toBe(0);
    const id = created.stdout.trim();
    // The simulated process prints nothing: write its log where the driver reads it (the Linux layout's place).
    const lines = Array.from({ length: 400_000 }, (_, i) => `line ${String(i).padStart(6, '0')} ${'x'.repeat(37)}\n`);
    const log = lines.join('');
    expect(log.length).toBe(20_000_000);
    await fs.mkdir(path.dirname(sim.driver.layout.log(id)), { recursive: true });
    await fs.writeFile(sim.driver.layout.log(id), log);

    const all = await cli(w, ['logs', 'chatty']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout.length).toBe(log.length);
    expect(all.stdout === log).toBe(true);
    const tail = await cli(w, ['logs', '--tail', '3', 'chatty']);
    expect(tail.stdout).toBe(lines.slice(-3).join(''));
    // not running: -f prints what there is and returns
    const follow = await cli(w, ['logs', '-f', '-n', '1', 'chatty']);
    expect([follow.code, follow.stdout]).toEqual([0, lines.at(-1)]);
    const bad = await cli(w, ['logs', '--tail', 'some', 'chatty']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/invalid argument "some" for "-n, --tail" flag/);
  });

  it("logs -t and --since from the log's samples; a bad --since (125), a bad --log-opt (daemon error, 1)", async () => {
    const created = await cli(w, [
      'create',
      '--name',
      'stamped',
      '--log-opt',
      'max-size=1m',
      '--log-opt',
      'max-file=2',
      'busybox',
      'sleep',
      '1000',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const id = created.stdout.trim();
    expect((await inspect('stamped')).HostConfig.LogConfig).toEqual({
      Type: 'json-file',
      Config: { 'max-size': '1m', 'max-file': '2' },
    });
    // The simulated process prints nothing: write its log, sampling it as the monitor's poll would, at known times.
    const log = sim.driver.layout.log(id);
    await fs.mkdir(path.dirname(log), { recursive: true });
    const t0 = Date.parse('2020-01-02T03:04:05.123Z');
    await fs.appendFile(log, 'first\nsecond\n');
    await sampleLog(log, t0);
    await fs.appendFile(log, 'third\n');
    await sampleLog(log, t0 + 2000);

    const stamped = await cli(w, ['logs', '-t', 'stamped']);
    expect(stamped.code, stamped.stderr).toBe(0);
    expect(stamped.stdout).toBe(
      '2020-01-02T03:04:05.123000000Z first\n2020-01-02T03:04:05.123000000Z second\n2020-01-02T03:04:07.123000000Z third\n',
    );
    const since = await cli(w, ['logs', '--since', '2020-01-02T03:04:06Z', 'stamped']);
    expect([since.code, since.stdout]).toEqual([0, 'third\n']);
    const unix = await cli(w, ['logs', '--timestamps', '--since', String(t0 / 1000), '-n', '1', 'stamped']);
    expect([unix.code, unix.stdout]).toEqual([0, '2020-01-02T03:04:07.123000000Z third\n']);
    // a relative time: nothing was written in the last hour (the samples say 2020)
    expect(await cli(w, ['logs', '--since', '1h', 'stamped'])).toMatchObject({ code: 0, stdout: '' });

    const badSince = await cli(w, ['logs', '--since', 'yesterday', 'stamped']);
    expect(badSince.code).toBe(125);
    expect(badSince.stderr).toMatch(
      /invalid value for "since": failed to parse value as time or duration: "yesterday"/,
    );
    const badOpt = await cli(w, ['create', '--log-opt', 'max-size=lots', 'busybox']);
    expect([badOpt.code, badOpt.stdout]).toEqual([1, '']);
    expect(badOpt.stderr.trim()).toBe("Error response from daemon: invalid size: 'lots'");
  });

  it("a running container's log is rotated by its monitor past max-size: max-file files, the newest output, --tail across them", async () => {
    const created = await cli(w, [
      'create',
      '--name',
      'rotating',
      '--log-opt',
      'max-size=1k',
      '--log-opt',
      'max-file=2',
      'busybox',
      'sleep',
      '1000',
    ]);
    const id = created.stdout.trim();
    expect((await cli(w, ['start', 'rotating'])).code).toBe(0);
    const log = sim.driver.layout.log(id);
    await fs.mkdir(path.dirname(log), { recursive: true });
    // 30 lines of 100 bytes, a few at a time: the monitor (sampling the log as it is written) rotates as the log passes
    // 1000 bytes
    const lines = Array.from({ length: 30 }, (_, i) => `${String(i).padStart(3, '0')} ${'r'.repeat(95)}\n`);
    for (let i = 0; i < lines.length; i += 3) {
      await fs.appendFile(log, lines.slice(i, i + 3).join(''));
      await new Promise((r) => setTimeout(r, 250));
    }
    await until('a rotation', async () =>
      (await fs.readdir(path.dirname(log))).includes('container.log.1') ? true : undefined,
    );
    const files = (await fs.readdir(path.dirname(log))).filter((f) => /^container\.log(\.\d+)?$/.test(f)).sort();
    expect(files).toEqual(['container.log', 'container.log.1']);
    const all = await cli(w, ['logs', 'rotating']);
    expect(all.code, all.stderr).toBe(0);
    // what is kept is the newest output, whole lines in order, ending with the last line
    expect(all.stdout.endsWith(lines.at(-1)!)).toBe(true);
    expect(lines.join('').endsWith(all.stdout)).toBe(true);
    expect(Buffer.byteLength(all.stdout)).toBeLessThanOrEqual(2 * 1200);
    expect((await cli(w, ['logs', '--tail', '2', 'rotating'])).stdout).toBe(lines.slice(-2).join(''));
    expect((await cli(w, ['stop', 'rotating'])).code).toBe(0);
  });
});

describe('mistakes and outages: one line on stderr, the right exit code, nothing created', () => {
  it('bad flags (125), daemon errors (1), an unreachable server or a missing worker (1)', async () => {
    const before = await cli(w, ['ps', '-a', '--json']);
    expect(before.code, before.stderr).toBe(0);
    const cases: Array<[string[], number, RegExp, NodeJS.ProcessEnv?]> = [
      [
        ['create', '--shm-size', 'abc', 'busybox'],
        125,
        /^container-saga: invalid argument "abc" for "--shm-size" flag: invalid size: 'abc'\. See 'container-saga create --help'\.$/,
      ],
      [
        ['create', '--frobnicate', 'busybox'],
        125,
        /^container-saga: unknown option '--frobnicate'\. See 'container-saga create --help'\.$/,
      ],
      [
        ['create', '--network', 'bo:gus', 'busybox'],
        125,
        /^container-saga: invalid argument "bo:gus" for "--network" flag/,
      ],
      // a name no network has: the host's 404, as Docker's daemon answers it
      [['create', '--network', 'bogus', 'busybox'], 1, /^Error response from daemon: network bogus not found$/],
      [
        ['create', '--restart', 'sometimes', 'busybox'],
        125,
        /^container-saga: invalid argument "sometimes" for "--restart" flag: invalid restart policy sometimes/,
      ],
      [['create', '-v', 'data', 'busybox'], 125, /^container-saga: invalid argument "data" for "-v, --volume" flag/],
      [['create', '-e', '=x', 'busybox'], 125, /^container-saga: invalid argument "=x" for "-e, --env" flag/],
      [['create', '--cpus', 'lots', 'busybox'], 125, /^container-saga: invalid argument "lots" for "--cpus" flag/],
      [['create'], 125, /^container-saga: missing required argument 'image'/],
      [['frobnicate'], 125, /^container-saga: unknown command 'frobnicate'\. See 'container-saga --help'\.$/],
      [
        ['create', '--name', 'web', 'busybox'],
        1,
        /^Error response from daemon: Conflict\. The container name "\/web" is already in use/,
      ],
      [
        ['create', '-v', 'd:/data', 'busybox'],
        1,
        /^Error response from daemon: create d: "d" includes invalid characters for a local volume name, only "\[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]" are allowed\. If you intended to pass a host directory, use absolute path$/,
      ],
      [
        ['start', 'nosuch'],
        1,
        /^Error response from daemon: No such container: nosuch\nError: failed to start containers: nosuch$/,
      ],
      [['inspect', 'nosuch'], 1, /^Error: No such object: nosuch$/],
      [
        ['ps'],
        1,
        /^Error: cannot reach Temporal at 127\.0\.0\.1:1 \(is `npm run server` running\?\)$/,
        { TEMPORAL_ADDRESS: '127.0.0.1:1' },
      ],
      [
        ['create', 'busybox'],
        1,
        /^Error: no container-saga worker is polling task queue \S+-nobody \(start one with `npm run worker`\)$/,
        { CONTAINER_SAGA_TASK_QUEUE: `${w.taskQueue}-nobody` },
      ],
    ];
    const runs = await Promise.all(cases.map(([args, , , env]) => cli(w, args, env)));
    runs.forEach((r, i) => {
      const [args, code, pattern] = cases[i]!;
      const what = args.join(' ');
      expect(r.code, `${what}: ${r.stderr}`).toBe(code);
      expect(r.stderr.trimEnd(), what).toMatch(pattern);
      noStackTrace(r.stderr);
      if (args[0] === 'create' || code === 125) expect(r.stdout, what).toBe('');
    });
    const after = await cli(w, ['ps', '-a', '--json']);
    expect(JSON.parse(after.stdout)).toEqual(JSON.parse(before.stdout));
  });
});

/** The library's error of `p` (a daemon error keeps Docker's type and status, which the CLI does not print). */
async function failure(p: Promise<unknown>): Promise<{ type: string; status: number; message: string }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof CliError)) throw new Error(`expected a CliError, got ${String(err)}`);
  return { type: err.type, status: err.status, message: err.message };
}

// After the stories above (not beside them): a drained host takes no new containers, so nothing else creates meanwhile.
describe('hosts: the test worker is one host (one host; two-host runs are in their own tests)', () => {
  it('host ls shows it live with its counts; ps, inspect and events name it', async () => {
    const run = await cli(w, ['run', '-d', '--host', HOST, '--name', 'pinned', 'busybox', 'sleep', '1000']);
    expect(run.code, run.stderr).toBe(0);
    const id = run.stdout.trim();
    const all = JSON.parse((await cli(w, ['ps', '-a', '--json'])).stdout) as ContainerRecord[];
    const running = all.filter((c) => c.State.Running || c.State.Restarting).length;
    expect(running).toBeGreaterThan(0);

    const ls = await cli(w, ['host', 'ls']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(
      new RegExp(
        `^HOST\\s+STATUS\\s+AVAILABILITY\\s+DRIVER\\s+RUNNING\\s+CONTAINERS\\s+LAST SEEN\\n${HOST}\\s+live\\s+active\\s+simulated\\s+${running}\\s+${all.length}\\s+(Less than a second|\\d+ seconds?) ago\\n$`,
      ),
    );
    expect(await cli(w, ['host', 'ls', '-q'])).toMatchObject({ code: 0, stdout: `${HOST}\n` });
    const [row, ...more] = JSON.parse((await cli(w, ['host', 'ls', '--json'])).stdout) as HostRow[];
    expect(more).toEqual([]);
    expect(row).toMatchObject({
      name: HOST,
      driver: 'simulated',
      availability: 'active',
      live: true,
      status: { name: HOST, driver: 'simulated', running, containers: all.length },
    });
    expect(Date.now() - Date.parse(row!.lastSeen!)).toBeLessThan(120_000);

    const ps = await cli(w, ['ps']);
    expect(ps.stdout).toMatch(
      new RegExp(`\\n${id.slice(0, 12)}\\s+busybox\\s+"sleep 1000"\\s+.* ago\\s+Up .*\\s+pinned\\s+${HOST}\\n`),
    );
    expect((await inspect('pinned')).Node).toEqual({ ID: HOST, Name: HOST });
    expect(await cli(w, ['inspect', '--format', '{{.Node.Name}}', 'pinned'])).toMatchObject({
      code: 0,
      stdout: `${HOST}\n`,
    });
    const events = await cli(w, ['events', '--no-follow', '--json', '--host', HOST]);
    expect(events.code, events.stderr).toBe(0);
    const mine = events.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ContainerEvent)
      .filter((e) => e.id === id)
      .map((e) => e.action);
    expect(mine).toEqual(['create', 'start']);
    expect(await cli(w, ['image', 'import', '--host', HOST, 'busybox2', 'busybox-static'])).toMatchObject({
      code: 0,
      stdout: 'busybox2\n',
    });
    expect((await cli(w, ['image', 'ls'])).stdout).toMatch(/\nbusybox2\s+latest\s+[0-9a-f]{12}\s/);
  });

  it('drain: no new container (503 HostUnavailable), the running ones keep running; activate: creates again', async () => {
    expect(await cli(w, ['host', 'drain', HOST])).toMatchObject({ code: 0, stdout: `${HOST}\n`, stderr: '' });
    try {
      expect((await cli(w, ['host', 'ls'])).stdout).toMatch(new RegExp(`\\n${HOST}\\s+live\\s+drain\\s+simulated\\s`));
      const placed = await cli(w, ['create', 'busybox', 'true']);
      expect([placed.code, placed.stdout, placed.stderr.trim()]).toEqual([
        1,
        '',
        'Error response from daemon: no live, active host can take a container (see `container-saga host ls`)',
      ]);
      expect(await failure(createContainer(w.session, { image: 'busybox', cmd: ['true'] }))).toMatchObject({
        type: 'HostUnavailable',
        status: 503,
      });
      const pinned = await cli(w, ['run', '-d', '--host', HOST, 'busybox', 'true']);
      expect([pinned.code, pinned.stderr.trim()]).toEqual([
        125,
        `Error response from daemon: host ${HOST} is drained: it takes no new containers (container-saga host activate ${HOST})`,
      ]);
      expect(await failure(createContainer(w.session, { image: 'busybox', cmd: ['true'] }, HOST))).toMatchObject({
        type: 'HostUnavailable',
        status: 503,
      });
      // draining stops placements only
      expect((await inspect('pinned')).State.Running).toBe(true);
      expect(await cli(w, ['host', 'drain', HOST])).toMatchObject({ code: 0, stdout: `${HOST}\n` });
    } finally {
      expect(await cli(w, ['host', 'activate', HOST])).toMatchObject({ code: 0, stdout: `${HOST}\n`, stderr: '' });
    }
    expect((await cli(w, ['host', 'ls'])).stdout).toMatch(new RegExp(`\\n${HOST}\\s+live\\s+active\\s+simulated\\s`));
    const created = await cli(w, ['create', '--name', 'placed', 'busybox', 'true']);
    expect(created.code, created.stderr).toBe(0);
    expect(await cli(w, ['inspect', '-f', '{{.Id}} {{.Node.Name}}', 'placed'])).toMatchObject({
      code: 0,
      stdout: `${created.stdout.trim()} ${HOST}\n`,
    });
  });

  it('an unknown host is 404 NoSuchHost, a malformed name 400, and nothing is created', async () => {
    const before = (await cli(w, ['ps', '-a', '--json'])).stdout;
    const cases: Array<[string[], number, string]> = [
      [['create', '--host', 'nosuch', 'busybox', 'true'], 1, 'Error response from daemon: No such host: nosuch'],
      [['run', '-d', '--host', 'nosuch', 'busybox', 'true'], 125, 'Error response from daemon: No such host: nosuch'],
      [['host', 'drain', 'nosuch'], 1, 'Error response from daemon: No such host: nosuch'],
      [['host', 'activate', 'nosuch'], 1, 'Error response from daemon: No such host: nosuch'],
      [
        ['image', 'import', '--host', 'nosuch', 'busybox3', 'busybox-static'],
        1,
        'Error response from daemon: No such host: nosuch',
      ],
      [['events', '--no-follow', '--host', 'nosuch'], 1, 'Error response from daemon: No such host: nosuch'],
      [
        ['create', '--host', 'bad/name', 'busybox', 'true'],
        125,
        `container-saga: invalid input: host: invalid host name "bad/name": want [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 63 characters. See 'container-saga create --help'.`,
      ],
      [
        ['create', '--host', 'a', '--label', 'container-saga.host=b', 'busybox', 'true'],
        125,
        `container-saga: --host a and label container-saga.host=b name different hosts. See 'container-saga create --help'.`,
      ],
      [['host', 'drain', 'bad/name'], 1, 'Error response from daemon: invalid host name "bad/name"'],
      [
        ['image', 'import', '--host', 'bad/name', 'busybox3', 'busybox-static'],
        1,
        'Error response from daemon: invalid input: host: invalid host name "bad/name": want [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 63 characters',
      ],
      [
        ['events', '--no-follow', '--host', 'bad/name'],
        1,
        'Error response from daemon: invalid input: host: invalid host name "bad/name": want [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 63 characters',
      ],
      [['host'], 125, ''],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(w, args)));
    runs.forEach((r, i) => {
      const [args, code, line] = cases[i]!;
      const what = args.join(' ');
      expect(r.code, `${what}: ${r.stderr}`).toBe(code);
      expect(r.stdout, what).toBe('');
      if (line) expect(r.stderr.trim(), what).toBe(line);
      else expect(r.stderr, what).toMatch(/Usage: container-saga host/);
      noStackTrace(r.stderr);
    });
    expect(await failure(createContainer(w.session, { image: 'busybox', cmd: ['true'] }, 'nosuch'))).toEqual({
      type: 'NoSuchHost',
      status: 404,
      message: 'No such host: nosuch',
    });
    expect(await failure(setHostAvailability(w.session, 'nosuch', 'drain'))).toEqual({
      type: 'NoSuchHost',
      status: 404,
      message: 'No such host: nosuch',
    });
    expect(await failure(setHostAvailability(w.session, 'bad/name', 'drain'))).toMatchObject({
      type: 'InvalidParameter',
      status: 400,
    });
    expect(await failure(createContainer(w.session, { image: 'busybox', cmd: ['true'] }, 'bad/name'))).toMatchObject({
      type: 'InvalidParameter',
      status: 400,
    });
    expect(JSON.parse((await cli(w, ['ps', '-a', '--json'])).stdout)).toEqual(JSON.parse(before));
  });
});
