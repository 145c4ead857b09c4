import { describe, expect, it } from 'vitest';
import { docker, simulatedApiSuite } from '../api-harness';

// Healthchecks on the simulated driver through the docker CLI and the Engine API: its execs end at once with
// `sh -c 'exit N'`'s code, so `exit 0` is a healthy probe and `exit 1` a failing one; the API's refusals of a
// bad Healthcheck with the daemon's messages, the ps filter's refusal of an unknown value.

const suite = simulatedApiSuite('health-sim');
const run = (args: string[]) => docker(suite.api, args);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function statusOf(name: string, want: string): Promise<string> {
  for (let i = 0; i < 150; i++) {
    const r = await run(['inspect', '--format', '{{.State.Health.Status}} {{.State.Health.FailingStreak}}', name]);
    if (r.stdout.startsWith(want)) return r.stdout.trim();
    await sleep(200);
  }
  return (await run(['inspect', '--format', '{{json .State.Health}}', name])).stdout;
}

describe('healthchecks (simulated driver)', () => {
  it('exit 0 makes it healthy, exit 1 unhealthy after the retries; ps shows both and filters by them', async () => {
    const ok = await run([
      'run',
      '-d',
      '--name',
      'ok',
      '--health-cmd',
      'exit 0',
      '--health-interval',
      '100ms',
      'busybox',
      'sleep',
      '1000',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    const bad = await run([
      'run',
      '-d',
      '--name',
      'bad',
      '--health-cmd',
      'exit 1',
      '--health-interval',
      '100ms',
      '--health-retries',
      '2',
      'busybox',
      'sleep',
      '1000',
    ]);
    expect(bad.code, bad.stderr).toBe(0);
    expect(await statusOf('ok', 'healthy')).toBe('healthy 0');
    expect(await statusOf('bad', 'unhealthy')).toMatch(/^unhealthy [2-9]/);
    const ps = await run(['ps', '--format', '{{.Names}} {{.Status}}']);
    expect(ps.stdout.split('\n').filter(Boolean).sort()).toEqual([
      expect.stringMatching(/^bad Up .* \(unhealthy\)$/),
      expect.stringMatching(/^ok Up .* \(healthy\)$/),
    ]);
    expect((await run(['ps', '--filter', 'health=healthy', '--format', '{{.Names}}'])).stdout).toBe('ok\n');
    const sick = await run(['ps', '--filter', 'health=sick']);
    expect(sick.stderr).toMatch(/Unrecognised filter value for health: sick/);
    expect((await run(['rm', '-f', 'ok', 'bad'])).code).toBe(0);
  }, 120_000);

  it("a bad Healthcheck through the API: the daemon's 400, nothing created", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ Test: ['CMD', 'true'], Interval: 10 }, 'Interval in Healthcheck cannot be less than 1ms'],
      [{ Test: ['CMD', 'true'], Interval: -1e9 }, 'Interval in Healthcheck cannot be less than 1ms'],
      [{ Test: ['CMD', 'true'], Retries: -1 }, 'Retries in Healthcheck cannot be negative'],
      [{ Test: ['CMD', 'true'], StartInterval: 5 }, 'StartInterval in Healthcheck cannot be less than 1ms'],
    ];
    for (const [Healthcheck, message] of cases) {
      const r = await fetchJson('/containers/create', { Image: 'busybox', Cmd: ['true'], Healthcheck });
      expect([r.status, r.body.message]).toEqual([400, message]);
    }
    expect((await run(['ps', '-aq'])).stdout).toBe('');
  });
});

async function fetchJson(urlPath: string, body: unknown): Promise<{ status: number; body: { message?: string } }> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        socketPath: suite.api.socketPath,
        method: 'POST',
        path: urlPath,
        headers: { 'Content-Type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
