/**
 * How the read path costs, for the operator's list and for latency: a dev server of its own, an in-process worker
 * (simulated driver, temp state root), a demo-like sequence (create and start a container, then a container whose start
 * fails), then 20 reads through the real CLI (`ps`, `inspect`, `logs`, `events`), each workflow count taken from
 * visibility; then 50 warm `inspect` and 50 warm `ps -a` through the client library, p50 and p90, each beside the same
 * read as a workflow run of its own (the one-run-per-read workflows, which are still registered), taking turns. Run:
 * `npx tsx scripts/bench-reads.ts` (prints a few lines, writes nothing).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createContainer, inspect, list, run, startContainer } from '../client/api';
import type { Session } from '../client/connection';
import { codecDataConverter } from '../codec/load';
import { WorkflowTypes } from '../common/names';
import { FAULT_LABEL } from '../runtime/faults';
import { getConfig } from '../config';
import { SimulatedRuntime } from '../runtime/simulated-runtime';
import type { containerInspect, containerList } from '../workflows/ops';
import { createWorker } from '../worker/create';
import { startDevServer } from './dev-server';

const READS = 50;
/** The committed test key: CLI children and the in-process worker encrypt payloads alike, as a deployment does. */
const TEST_KEYS = path.resolve(__dirname, '../test/fixtures/codec-test-keys.json');
const CLI_READS = 20;
const REPO = path.resolve(__dirname, '..');

function cli(address: string, taskQueue: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO, 'bin/container-saga.cjs'), ...args], {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: address,
        CONTAINER_SAGA_TASK_QUEUE: taskQueue,
        CONTAINER_SAGA_CODEC_KEYS: TEST_KEYS,
      },
      stdio: 'ignore',
    });
    child.once('error', reject);
    child.once('close', (code) => resolve(code ?? -1));
  });
}

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

/** Times each read READS times, the reads taking turns so that both paths see the same load. */
async function timed(reads: Record<string, () => Promise<unknown>>): Promise<void> {
  const ms: Record<string, number[]> = Object.fromEntries(Object.keys(reads).map((k) => [k, []]));
  for (let i = 0; i < READS; i++) {
    for (const [what, fn] of Object.entries(reads)) {
      const t = performance.now();
      await fn();
      ms[what]!.push(performance.now() - t);
    }
  }
  for (const [what, xs] of Object.entries(ms))
    console.log(`${what}: n=${READS} p50 ${percentile(xs, 50).toFixed(1)} ms, p90 ${percentile(xs, 90).toFixed(1)} ms`);
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server = await startDevServer({ uiPort: false });
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'container-saga-bench-reads-'));
  const taskQueue = `bench-reads-${randomUUID()}`;
  chmodSync(TEST_KEYS, 0o600); // git checks it out readable by all; the codec refuses that
  const dataConverter = codecDataConverter({ ...process.env, CONTAINER_SAGA_CODEC_KEYS: TEST_KEYS });
  const native = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, dataConverter });
  const s: Session = { client, connection, address: server.address, namespace: 'default', taskQueue };
  const worker = await createWorker({
    connection: native,
    namespace: 'default',
    taskQueue,
    runtime: new SimulatedRuntime(root, { host: getConfig().host, bindAllow: getConfig().bindAllow }),
    faults: {},
    dataConverter,
  });
  const count = async () => {
    await new Promise((r) => setTimeout(r, 1000)); // visibility catches up
    return (await client.workflow.count(`TaskQueue = '${taskQueue}'`)).count;
  };
  try {
    await worker.runUntil(async () => {
      const { Id } = await createContainer(s, { name: 'web', image: 'busybox', cmd: ['sleep', '1000'], labels: {} });
      await startContainer(s, Id);
      const bad = await createContainer(s, {
        name: 'bad',
        image: 'busybox',
        cmd: ['sleep', '1000'],
        labels: { [FAULT_LABEL]: 'process=fail' },
      });
      await startContainer(s, bad.Id).catch(() => undefined);
      const afterDemo = await count();
      const verbs = [
        ['ps', '-a'],
        ['inspect', 'web'],
        ['logs', 'web'],
        ['events', '--no-follow'],
      ];
      const cliMs: number[] = [];
      for (let i = 0; i < CLI_READS; i++) {
        const t = performance.now();
        const code = await cli(server.address, taskQueue, verbs[i % verbs.length]!);
        cliMs.push(performance.now() - t);
        if (code !== 0) throw new Error(`container-saga ${verbs[i % verbs.length]!.join(' ')} exited ${code}`);
      }
      console.log(
        `CLI reads (a process each): n=${CLI_READS} p50 ${percentile(cliMs, 50).toFixed(0)} ms, max ${Math.max(...cliMs).toFixed(0)} ms`,
      );
      const afterReads = await count();
      console.log(
        `workflows on the task queue: ${afterDemo} after the demo-like starts, ${afterReads} after ${CLI_READS} CLI reads`,
      );
      await inspect(s, 'web'); // warm: the reads workflow exists, the connection is open
      await timed({
        'inspect, an Update of the reads workflow': () => inspect(s, 'web'),
        'inspect, a workflow run (containerInspect, as before)': () =>
          run<typeof containerInspect>(s, WorkflowTypes.inspect, { args: [{ container: 'web' }] }),
        'ps -a, an Update of the reads workflow': () => list(s, true),
        'ps -a, a workflow run (containerList, as before)': () =>
          run<typeof containerList>(s, WorkflowTypes.list, { args: [{ all: true }] }),
      });
    });
  } finally {
    await native.close();
    await connection.close();
    await server.stop();
    await fs.rm(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`bench-reads: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
