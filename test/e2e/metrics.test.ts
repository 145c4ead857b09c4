import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApi, type RunningApi } from '../../api/start';
import { createContainer, inspect, startContainer } from '../../client/api';
import type { CliError } from '../../client/errors';
import { getConfig } from '../../config';
import { FAULT_LABEL } from '../../runtime/faults';
import { simulatedRuntime } from '../runtimes';
import { spawnWorker, writeBundle } from '../durability/worker-process';
import { REPO, startTestWorker, type TestWorker, until } from '../harness';

// CONTAINER_SAGA_METRICS end to end: a worker (simulated driver) whose Runtime exports Prometheus metrics on a
// free loopback port runs a start that succeeds, one that fails at the network step and whose network release
// fails too (a leftover), and a container whose restart policy restarts it twice; the Engine API in the same
// process answers a few requests. Then /metrics is scraped over HTTP: the SDK's metrics and every project
// metric family are there, with the counts of what happened. A second test runs worker/main.ts itself.

/** A port nothing listens on now (the exporter binds it right after). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text format → samples (HELP/TYPE lines skipped). */
function parse(text: string): Sample[] {
  return text.split('\n').flatMap((line) => {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) return [];
    const labels = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]),
    );
    return [{ name: m[1]!, labels, value: Number(m[3]) }];
  });
}

/** The sum of `name` over the series whose labels include `want`. */
function total(samples: Sample[], name: string, want: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(want).every(([k, v]) => s.labels[k] === v))
    .reduce((n, s) => n + s.value, 0);
}

async function scrape(bindAddress: string): Promise<{ text: string; samples: Sample[] }> {
  const res = await fetch(`http://${bindAddress}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, samples: parse(text) };
}

/** One Engine API request over its unix socket: the status. */
function apiRequest(socketPath: string, method: string, urlPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path: urlPath }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

let bindAddress: string;
let w: TestWorker;
let api: RunningApi;
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-metrics-'));
  const metrics = getConfig({ CONTAINER_SAGA_METRICS: `127.0.0.1:${await freePort()}` }).metrics!;
  bindAddress = metrics.bindAddress;
  // The first worker of this file's process installs the Runtime with the exporter (before any connection).
  w = await startTestWorker(inject('temporalAddress'), simulatedRuntime(path.join(dir, 'state')), { metrics });
  api = await startApi({
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: w.address,
      CONTAINER_SAGA_TASK_QUEUE: w.taskQueue,
      CONTAINER_SAGA_API_TCP: '',
    },
    socketPath: path.join(dir, 'docker.sock'),
    metrics: Runtime.instance().metricMeter,
  });
});

afterAll(async () => {
  await api?.close();
  await w?.shutdown();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('Prometheus metrics (CONTAINER_SAGA_METRICS)', () => {
  it('exports the SDK metrics and every project metric family, counting what happened', async () => {
    const s = w.session;
    await createContainer(s, { name: 'web', image: 'busybox', cmd: ['sleep', '1000'] });
    await startContainer(s, 'web');

    // network fails (non-retryable), and so does its release: a compensation that fails for good, a leftover
    await createContainer(s, {
      name: 'broken',
      image: 'busybox',
      cmd: ['sleep', '1000'],
      labels: { [FAULT_LABEL]: 'network=fail,release-network=fail' },
    });
    const failure = (await startContainer(s, 'broken').then(
      () => undefined,
      (err: unknown) => err,
    )) as CliError;
    expect(failure).toMatchObject({ type: 'CompensationIncomplete' });
    const bad = await inspect(s, 'broken');
    expect(bad.Leftovers).toHaveLength(1);

    // exits at once with 1: the monitor restarts it twice (on-failure:2), each restart a start saga of its own
    await createContainer(s, {
      name: 'flaky',
      image: 'busybox',
      cmd: ['sh', '-c', 'exit 1'],
      hostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } },
    });
    await startContainer(s, 'flaky');
    await until('flaky restarted twice and stopped', async () => {
      const r = await inspect(s, 'flaky');
      return r.RestartCount === 2 && !r.State.Running && !r.State.Restarting ? r : undefined;
    });

    expect(await apiRequest(api.socketPath, 'GET', '/_ping')).toBe(200);
    expect(await apiRequest(api.socketPath, 'GET', '/v1.41/containers/json')).toBe(200);
    expect(await apiRequest(api.socketPath, 'POST', '/containers/nosuch/start')).toBe(404);
    expect(await apiRequest(api.socketPath, 'GET', '/no/such/path')).toBe(404);

    // Workflow metrics reach the exporter when their workflow task completes; the gauge after finishFailed.
    const scraped = await until(
      'every count in the scrape',
      async () => {
        const got = await scrape(bindAddress);
        const n = (name: string, want?: Record<string, string>) => total(got.samples, name, want);
        const ready =
          n('container_saga_starts_total') === 5 &&
          n('container_saga_restarts_total') === 2 &&
          n('container_saga_api_requests_total') === 4 &&
          n('container_saga_leftovers_pending') === 1;
        return ready ? got : undefined;
      },
      30_000,
      250,
    );
    const n = (name: string, want?: Record<string, string>) => total(scraped.samples, name, want);
    const names = new Set(scraped.samples.map((x) => x.name));

    // the SDK's own runtime metrics, on the same endpoint
    for (const sdk of [
      'temporal_workflow_completed',
      'temporal_activity_execution_latency_count',
      'temporal_num_pollers',
      'temporal_worker_task_slots_available',
    ]) {
      expect(names, sdk).toContain(sdk);
    }

    // starts: web, flaky and its two restarts ran; broken compensated
    expect(n('container_saga_starts_total', { outcome: 'started' })).toBe(4);
    expect(n('container_saga_starts_total', { outcome: 'compensated' })).toBe(1);
    expect(
      n('container_saga_starts_total', { outcome: 'failed' }) +
        n('container_saga_starts_total', { outcome: 'cancelled' }),
    ).toBe(0);
    expect(n('container_saga_start_failures_total')).toBe(1);
    expect(n('container_saga_start_failures_total', { step: 'network', error_type: 'InjectedFault' })).toBe(1);
    expect(n('container_saga_start_latency_milliseconds_count', { outcome: 'started' })).toBe(4);
    expect(n('container_saga_start_latency_milliseconds_count', { outcome: 'compensated' })).toBe(1);
    expect(n('container_saga_start_latency_milliseconds_sum', { outcome: 'started' })).toBeGreaterThan(0);

    // compensations of broken: each once, by its final result, as its record lists them
    const record = failure.record!;
    expect(record.compensations.length).toBeGreaterThan(0);
    for (const c of record.compensations)
      expect(n('container_saga_compensations_total', { step: c, result: 'ok' }), c).toBe(1);
    expect(n('container_saga_compensations_total', { result: 'ok' })).toBe(record.compensations.length);
    expect(n('container_saga_compensations_total', { step: 'release-network', result: 'failed' })).toBe(1);
    expect(n('container_saga_compensations_total', { result: 'failed' })).toBe(1);

    // per-step attempts: five starts mounted a rootfs, four reached the process; failures by step and type
    expect(n('container_saga_step_latency_milliseconds_count', { step: 'mount-rootfs', kind: 'acquire' })).toBe(5);
    expect(n('container_saga_step_latency_milliseconds_count', { step: 'process', kind: 'acquire' })).toBe(4);
    expect(n('container_saga_step_latency_milliseconds_count', { step: 'lookup', kind: 'record' })).toBe(5);
    expect(n('container_saga_step_latency_milliseconds_count', { step: 'release-network', kind: 'release' })).toBe(1);
    expect(n('container_saga_step_latency_milliseconds_sum', { step: 'mount-rootfs' })).toBeGreaterThan(0);
    expect(
      n('container_saga_step_failures_total', { step: 'network', kind: 'acquire', error_type: 'InjectedFault' }),
    ).toBe(1);
    expect(
      n('container_saga_step_failures_total', {
        step: 'release-network',
        kind: 'release',
        error_type: 'InjectedFault',
      }),
    ).toBe(1);
    expect(n('container_saga_step_failures_total')).toBe(2);

    expect(n('container_saga_restarts_total', { policy: 'on-failure' })).toBe(2);
    expect(n('container_saga_leftovers_pending')).toBe(1);

    expect(n('container_saga_api_requests_total', { route: '/_ping', method: 'GET', status: '200' })).toBe(1);
    expect(n('container_saga_api_requests_total', { route: '/containers/json', method: 'GET', status: '200' })).toBe(1);
    expect(
      n('container_saga_api_requests_total', { route: '/containers/{id}/start', method: 'POST', status: '404' }),
    ).toBe(1);
    expect(n('container_saga_api_requests_total', { route: 'unmatched', status: '404' })).toBe(1);
    expect(n('container_saga_api_request_latency_milliseconds_count')).toBe(4);

    // no container ID or name in any label of ours
    const ids = [bad.Id, (await inspect(s, 'web')).Id];
    for (const x of scraped.samples.filter((x) => x.name.startsWith('container_saga_'))) {
      for (const v of Object.values(x.labels)) expect(['web', 'broken', 'flaky', ...ids]).not.toContain(v);
    }
    console.log(
      `scrape sample (project metrics):\n${scraped.text
        .split('\n')
        .filter((l) => l.startsWith('container_saga_') && !l.includes('_bucket{'))
        .join('\n')}`,
    );
  });

  it("worker/main.ts: CONTAINER_SAGA_METRICS serves /metrics (with CONTAINER_SAGA_API=1, the API's too); a bad value stops it with a clear error", async () => {
    const badValue = spawnWorker({
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      CONTAINER_SAGA_DRIVER: 'simulated',
      CONTAINER_SAGA_ROOT: path.join(dir, 'bad'),
      CONTAINER_SAGA_METRICS: 'metrics-host:9464',
    });
    await expect(badValue).rejects.toThrow(
      /CONTAINER_SAGA_METRICS must be PORT, IPv4:PORT, \[IPv6\]:PORT or localhost:PORT, e\.g\. 127\.0\.0\.1:9464 \(got "metrics-host:9464"\)/,
    );

    const port = await freePort();
    const socketPath = path.join(dir, 'worker-run', 'docker.sock');
    const worker = await spawnWorker({
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      CONTAINER_SAGA_TASK_QUEUE: `metrics-worker-${randomUUID()}`,
      CONTAINER_SAGA_DRIVER: 'simulated',
      CONTAINER_SAGA_ROOT: path.join(dir, 'worker-state'),
      CONTAINER_SAGA_WORKFLOW_BUNDLE: await writeBundle(dir),
      CONTAINER_SAGA_API: '1',
      CONTAINER_SAGA_API_SOCKET: socketPath,
      CONTAINER_SAGA_METRICS: `${port}`,
    });
    try {
      expect(worker.output()).toContain(`metrics on http://127.0.0.1:${port}/metrics`);
      await until('the API', async () => (/Docker Engine API on unix:/.test(worker.output()) ? true : undefined));
      expect(await apiRequest(socketPath, 'GET', '/_ping')).toBe(200);
      const got = await until(
        'the ping and the gauge in the scrape',
        async () => {
          const r = await scrape(`127.0.0.1:${port}`);
          const ready =
            total(r.samples, 'container_saga_api_requests_total', { route: '/_ping', status: '200' }) === 1 &&
            r.samples.some((x) => x.name === 'container_saga_leftovers_pending');
          return ready ? r : undefined;
        },
        30_000,
        250,
      );
      expect(total(got.samples, 'container_saga_leftovers_pending')).toBe(0);
      expect(got.samples.some((x) => x.name === 'temporal_num_pollers')).toBe(true);
    } finally {
      await worker.kill('SIGTERM');
    }
  });

  it('npm run api (api/main.ts): CONTAINER_SAGA_METRICS serves the request metrics; a port in use is a clear error', async () => {
    const port = await freePort();
    const socketPath = path.join(dir, 'api-run', 'docker.sock');
    const env = {
      ...process.env,
      CONTAINER_SAGA_API_SOCKET: socketPath,
      CONTAINER_SAGA_API_TCP: '',
      TEMPORAL_ADDRESS: inject('temporalAddress'),
    };
    const start = (metrics: string) => {
      const child = spawn(process.execPath, ['-r', 'tsx/cjs', path.join(REPO, 'api/main.ts')], {
        cwd: REPO,
        env: { ...env, CONTAINER_SAGA_METRICS: metrics },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      return { child, exited, out: () => out };
    };
    const api = start(`127.0.0.1:${port}`);
    try {
      await until('the API', async () =>
        /metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/.test(api.out()) ? true : undefined,
      );
      expect(await apiRequest(socketPath, 'GET', '/_ping')).toBe(200);
      expect(await apiRequest(socketPath, 'GET', '/v1.41/version')).toBe(200);
      const got = await until(
        'the requests in the scrape',
        async () => {
          const r = await scrape(`127.0.0.1:${port}`);
          return total(r.samples, 'container_saga_api_requests_total') === 2 ? r : undefined;
        },
        10_000,
        100,
      );
      expect(
        total(got.samples, 'container_saga_api_requests_total', { route: '/version', method: 'GET', status: '200' }),
      ).toBe(1);
      expect(total(got.samples, 'container_saga_api_request_latency_milliseconds_count', { route: '/_ping' })).toBe(1);

      // a second process on the same port: the exporter cannot bind, and says which setting to change
      const second = start(`127.0.0.1:${port}`);
      expect(await second.exited).toBe(1);
      expect(second.out()).toMatch(
        new RegExp(`CONTAINER_SAGA_METRICS=127\\.0\\.0\\.1:${port}: .*Address already in use`),
      );
    } finally {
      api.child.kill('SIGTERM');
      await api.exited;
    }
  });
});
