import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection, type DataConverter } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { Session } from '../client/connection';
import { codecDataConverter } from '../codec/load';
import type { MetricsAddress } from '../config';
import { installMetricsRuntime } from '../metrics/runtime';
import type { HostRuntime } from '../runtime/host-runtime';
import { createWorker, WORKFLOW_BUNDLE } from '../worker/create';
import type { HostWorker } from '../worker/host-worker';

/** Shared by the end-to-end tests: an in-process worker on its own task queue, and the real CLI as a child. */

export const REPO = path.resolve(__dirname, '..');

let bundle: Promise<{ code: string }> | undefined;
let runtimeInstalled = false;

/**
 * The process's Runtime (once per process: a test file's fork), with the Prometheus exporter when `metrics` is given.
 */
function quietRuntime(metrics?: MetricsAddress): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  if (metrics) installMetricsRuntime(metrics, new DefaultLogger('WARN'));
  else Runtime.install({ logger: new DefaultLogger('WARN') });
}

export interface TestWorker {
  taskQueue: string;
  address: string;
  session: Session;
  client: Client;
  worker: HostWorker;
  shutdown(): Promise<void>;
}

export interface TestWorkerOptions {
  faults?: string;
  metrics?: MetricsAddress;
  dataConverter?: DataConverter;
  /**
   * The shared task queue to poll (a fresh one when absent): a second host's worker joins the first one's
   * queue (the host is the runtime's `hostName`; its host queue is `<taskQueue>@<hostName>`).
   */
  taskQueue?: string;
  /** the workers' identity in histories (worker/create.ts); two hosts in one process need their own */
  identity?: string;
}

/**
 * Starts a worker for `runtime` on a fresh task queue, or on `opts.taskQueue` (bundle built once per test
 * file). With `metrics`, the first worker of the file installs the Runtime with the Prometheus exporter there,
 * and the worker records the project's metrics (metrics/worker.ts).
 */
export async function startTestWorker(
  address: string,
  runtime: HostRuntime,
  opts: TestWorkerOptions = {},
): Promise<TestWorker> {
  quietRuntime(opts.metrics);
  bundle ??= bundleWorkflowCode({ ...WORKFLOW_BUNDLE, logger: new DefaultLogger('WARN') });
  const taskQueue = opts.taskQueue ?? `test-${randomUUID()}`;
  // The payload codec of CONTAINER_SAGA_CODEC_KEYS, the committed test key (vitest.config.ts), as the CLI's.
  const dataConverter = opts.dataConverter ?? codecDataConverter();
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await createWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    runtime,
    faults: { plan: opts.faults },
    workflowBundle: await bundle,
    metrics: opts.metrics !== undefined,
    dataConverter,
    ...(opts.identity ? { identity: opts.identity } : {}),
  });
  const running = worker.run();
  // placement and `host ls` know the host once it has registered
  await Promise.race([worker.registered, running]);
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, dataConverter });
  const session: Session = { client, connection, address, namespace: 'default', taskQueue };
  return {
    taskQueue,
    address,
    session,
    client,
    worker,
    shutdown: async () => {
      worker.shutdown();
      await running;
      await nativeConnection.close();
      await connection.close();
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI (bin/container-saga.cjs) as a user would, against a test worker's task queue. */
export function cli(
  w: Pick<TestWorker, 'address' | 'taskQueue'>,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO, 'bin/container-saga.cjs'), ...args], {
      cwd: REPO,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: w.address,
        CONTAINER_SAGA_TASK_QUEUE: w.taskQueue,
        NO_COLOR: '1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * Polls `probe` until it returns a value, at most `ms` (default 30 s), every `everyMs` (default 100 ms); fails
 * naming `what` when time is up.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 30_000,
  everyMs = 100,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
