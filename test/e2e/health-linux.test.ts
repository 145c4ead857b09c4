import { describe, expect } from 'vitest';
import { linuxApiSuite } from '../api-harness';
import { testNetwork } from '../linux-fixture';

// Healthchecks through Docker's own client against the Engine API and a worker driving real containers: a
// file in the container flips the probe (`test -f /tmp/ok`), and inspect's State.Health, ps's Status and its
// health filter, and the health_status events follow; Docker's refusals of bad flags.
// Needs root: without it every test FAILS with the reason (CI runs as root). Its own netns, bridge and subnet.

const suite = linuxApiSuite('cs-health-linux', testNetwork('e2e/health-linux'));
const rootIt = suite.it;
const run = (args: string[], timeoutMs?: number) => suite.docker(args, timeoutMs);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Health {
  Status: string;
  FailingStreak: number;
  Log: Array<{ Start: string; End: string; ExitCode: number; Output: string }>;
}

async function health(name: string): Promise<Health> {
  const r = await run(['inspect', '--format', '{{json .State.Health}}', name]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Health;
}

/** Polls inspect until the status is `want` (probes every 200 ms; the load of a shared machine allowed for). */
async function until(name: string, want: string, timeoutMs = 30_000): Promise<Health> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const h = await health(name);
    if (h.Status === want || Date.now() > end) return h;
    await sleep(200);
  }
}

describe('healthchecks through the docker CLI (Linux driver)', () => {
  rootIt(
    'a probe flipped by a file: starting → healthy → unhealthy → healthy, in inspect, ps and events',
    async () => {
      const since = String(Math.floor(Date.now() / 1000) - 1);
      const started = await run([
        'run',
        '-d',
        '--name',
        'hc',
        '--health-cmd',
        'test -f /tmp/ok && echo ok',
        '--health-interval',
        '200ms',
        '--health-timeout',
        '5s',
        '--health-retries',
        '2',
        'busybox',
        'sleep',
        '1000',
      ]);
      expect(started.code, started.stderr).toBe(0);
      const id = started.stdout.trim();
      // no file yet: two failures make it unhealthy
      let h = await until('hc', 'unhealthy');
      expect(h.Status).toBe('unhealthy');
      expect(h.FailingStreak).toBeGreaterThanOrEqual(2);
      expect(h.Log.at(-1)).toMatchObject({ ExitCode: 1, Output: '' });
      expect(h.Log.length).toBeLessThanOrEqual(5);
      let ps = await run(['ps', '--filter', 'health=unhealthy', '--format', '{{.Names}} {{.Status}}']);
      expect(ps.stdout).toMatch(/^hc Up .* \(unhealthy\)\n$/);
      expect((await run(['exec', 'hc', 'touch', '/tmp/ok'])).code).toBe(0);
      h = await until('hc', 'healthy');
      expect(h).toMatchObject({ Status: 'healthy', FailingStreak: 0 });
      expect(h.Log.at(-1)).toMatchObject({ ExitCode: 0, Output: 'ok\n' });
      ps = await run(['ps', '--format', '{{.Names}} {{.Status}}', '--filter', 'health=healthy']);
      expect(ps.stdout).toMatch(/^hc Up .* \(healthy\)\n$/);
      expect((await run(['ps', '-q', '--filter', 'health=unhealthy'])).stdout).toBe('');
      expect((await run(['exec', 'hc', 'rm', '/tmp/ok'])).code).toBe(0);
      expect((await until('hc', 'unhealthy')).Status).toBe('unhealthy');
      expect((await run(['exec', 'hc', 'touch', '/tmp/ok'])).code).toBe(0);
      expect((await until('hc', 'healthy')).Status).toBe('healthy');

      const until2 = String(Math.floor(Date.now() / 1000) + 1);
      const ev = await run([
        'events',
        '--since',
        since,
        '--until',
        until2,
        '--filter',
        `container=${id}`,
        '--filter',
        'event=health_status',
        '--format',
        '{{.Action}}',
      ]);
      expect(ev.stdout.trim().split('\n')).toEqual([
        'health_status: unhealthy',
        'health_status: healthy',
        'health_status: unhealthy',
        'health_status: healthy',
      ]);
      // the probe's own exec, as Docker emits it
      const execs = await run([
        'events',
        '--since',
        since,
        '--until',
        until2,
        '--filter',
        `container=${id}`,
        '--filter',
        'event=exec_start',
        '--format',
        '{{.Action}}',
      ]);
      expect(execs.stdout.split('\n')[0]).toBe('exec_start: /bin/sh -c test -f /tmp/ok && echo ok');

      // stopped: Docker shows the last status as unhealthy (the probes stopped), the log kept
      expect((await run(['stop', '-t', '1', 'hc'])).code).toBe(0);
      h = await health('hc');
      expect(h.Status).toBe('unhealthy');
      expect(h.Log.length).toBe(5);
      expect((await run(['rm', 'hc'])).code).toBe(0);
    },
    180_000,
  );

  rootIt(
    "a probe that outlives its timeout is killed and fails with Docker's output; --no-healthcheck shows no Health",
    async () => {
      const r = await run([
        'run',
        '-d',
        '--name',
        'slow',
        '--health-cmd',
        'sleep 5',
        '--health-interval',
        '100ms',
        '--health-timeout',
        '300ms',
        '--health-retries',
        '1',
        'busybox',
        'sleep',
        '1000',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const h = await until('slow', 'unhealthy');
      expect(h.Log.at(-1)).toMatchObject({ ExitCode: -1, Output: 'Health check exceeded timeout (300ms)' });
      // the killed probe leaves no exec registered
      await sleep(200);
      const none = await run(['run', '-d', '--name', 'none', '--no-healthcheck', 'busybox', 'sleep', '1000']);
      expect(none.code, none.stderr).toBe(0);
      expect((await run(['inspect', '--format', '{{json .State.Health}}', 'none'])).stdout).toBe('null\n');
      expect((await run(['ps', '-q', '--filter', 'health=none'])).stdout.trim()).toBe(none.stdout.trim().slice(0, 12));
      expect((await run(['rm', '-f', 'slow', 'none'])).code).toBe(0);
    },
    120_000,
  );

  rootIt("bad healthcheck flags: the docker CLI's and the daemon's messages, nothing created", async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--health-interval', '-1s'], /--health-interval cannot be negative/],
      [['--health-retries', '-1'], /--health-retries cannot be negative/],
      [['--no-healthcheck', '--health-cmd', 'true'], /--no-healthcheck conflicts with --health-\* options/],
      [['--health-interval', '10us'], /Interval in Healthcheck cannot be less than 1ms/],
      [['--health-timeout', '1ns'], /Timeout in Healthcheck cannot be less than 1ms/],
      [['--health-start-period', '5us'], /StartPeriod in Healthcheck cannot be less than 1ms/],
    ];
    for (const [flags, message] of cases) {
      const r = await run(['create', ...flags, 'busybox', 'true']);
      expect(r.code, flags.join(' ')).not.toBe(0);
      expect(r.stderr, flags.join(' ')).toMatch(message);
    }
    expect((await run(['ps', '-aq'])).stdout).toBe('');
  });
});
