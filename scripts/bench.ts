/**
 * `npm run bench`: how long a durable start takes, as ratios measured in one run on this machine.
 *   saga    — containerStart through Temporal (dev server, in-process worker), client-observed
 *   driver  — the same driver steps called directly, no Temporal (the floor the saga adds to)
 * Uses the Linux driver as root (bridge networking, busybox), else the simulated one. Docker's own
 * `docker start` is not available here (no engine); the project's target is half of its ≈200 ms p50.
 * BENCH_N sets the number of starts (default 15).
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { daemonEnv } from '../common/env';
import { startWorkflowId, WorkflowTypes } from '../common/names';
import type { ContainerRuntime } from '../runtime/contract';
import { releaseStateRoot } from '../runtime/linux/mounts';
import { selectRuntime } from '../runtime/select';
import { createWorker } from '../worker/create';
import type { containerStart } from '../workflows/container-start';
import type { containerCreate } from '../workflows/ops';
import { startDevServer } from './dev-server';

const N = Number(process.env.BENCH_N ?? 15);

function stats(ms: number[]): { p50: number; p90: number; mean: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: at(0.5), p90: at(0.9), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

/** The saga's driver calls in the saga's shape (rootfs, network, IPC and volumes at once), without Temporal. */
async function driverStart(rt: ContainerRuntime, id: string): Promise<void> {
  const rec = await rt.lookup(id);
  await Promise.all([rt.acquire('mount-rootfs', { id: id }), rt.acquire('network', { id: id }), rt.acquire('ipc', { id: id }), rt.acquire('volumes', { id: id })]);
  await rt.acquire('spec', { id: id, env: daemonEnv({ hostname: rec.Config.Hostname, tty: false, linkedEnv: [], userEnv: rec.Config.Env }), extraHosts: [] });
  const { pid } = await rt.acquire('process', { id: id });
  await rt.markRunning(id, pid);
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-bench-'));
  const { runtime: rt, reason } = await selectRuntime('auto', root);
  const server = await startDevServer({ uiPort: false });
  const taskQueue = `bench-${randomUUID()}`;
  const native = await NativeConnection.connect({ address: server.address });
  const worker = await createWorker({ connection: native, namespace: 'default', taskQueue, runtime: rt });
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  if (rt.kind === 'linux') await rt.importImage('busybox', 'busybox-static');
  const request = { image: 'busybox', cmd: ['sleep', '1000'] };
  const saga: number[] = [];
  const direct: number[] = [];
  try {
    await worker.runUntil(async () => {
      for (let i = -2; i < N; i++) {
        // saga, client-observed (2 warm-up rounds not counted)
        const { Id } = await client.workflow.execute<typeof containerCreate>(WorkflowTypes.create, { taskQueue, workflowId: `bench-create-${randomUUID()}`, args: [{ request }] });
        let t0 = performance.now();
        await client.workflow.execute<typeof containerStart>(WorkflowTypes.start, { taskQueue, workflowId: startWorkflowId(Id), args: [{ container: Id }] });
        if (i >= 0) saga.push(performance.now() - t0);
        await rt.remove(Id, true);
        // the same driver steps without Temporal
        const rec = await rt.create(request);
        t0 = performance.now();
        await driverStart(rt, rec.Id);
        if (i >= 0) direct.push(performance.now() - t0);
        await rt.remove(rec.Id, true);
      }
    });
  } finally {
    await native.close();
    await server.stop();
    // The Linux driver made the root a private mount: undo it, or the directory cannot go.
    if (rt.kind === 'linux') await releaseStateRoot(root).catch(() => undefined);
    await fs.rm(root, { recursive: true, force: true }).catch(() => undefined);
  }
  const a = stats(saga);
  const b = stats(direct);
  const f = (x: number) => `${x.toFixed(1)} ms`;
  console.log(`driver: ${rt.kind} (${reason}); ${N} starts each, bridge networking, busybox sleep`);
  console.log(`saga   (durable, through Temporal)  p50 ${f(a.p50)}  p90 ${f(a.p90)}  mean ${f(a.mean)}`);
  console.log(`driver (same steps, no Temporal)    p50 ${f(b.p50)}  p90 ${f(b.p90)}  mean ${f(b.mean)}`);
  console.log(`ratio saga/driver p50: ${(a.p50 / b.p50).toFixed(2)}; saga p50 vs the 100 ms goal (half of docker start's ≈200 ms): ${(a.p50 / 100).toFixed(2)}×`);
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
