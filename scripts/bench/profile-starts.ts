/**
 * Where a saga start's CPU goes in the worker process: a dev server, an in-process worker and client on the simulated
 * driver, WARM_UP starts, then N sequential starts (each container removed before the next, as the CI budget does)
 * whose window is written beside the V8 CPU profiles. Run under `node --cpu-prof --cpu-prof-dir=DIR -r tsx/cjs`, then
 * scripts/bench/profile-summary.cjs DIR sums each thread's samples inside the window by function and file.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startWorkflowId, WorkflowTypes } from '../../common/names';
import { getConfig } from '../../config';
import { runtimeConfigOf, selectRuntime } from '../../runtime/select';
import { createWorker } from '../../worker/create';
import type { containerStart } from '../../workflows/container-start';
import { benchRoot, benchTemporal } from './temporal-env';
import { Teardown } from './teardown';
import { monitorEnded } from './monitor-ended';

const N = Number(process.env.N ?? 60);
const WARM_UP = 5;

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  const teardown = new Teardown();
  teardown.trapSignals();
  try {
    await profile(teardown);
  } finally {
    await teardown.run();
  }
}

async function profile(teardown: Teardown): Promise<void> {
  const { root, dataConverter } = await benchRoot(teardown, 'cs-prof-');
  const rt = (await selectRuntime('simulated', root, runtimeConfigOf(getConfig()))).runtime;
  await rt.importImage('busybox', 'busybox-static');
  const { native, client, workflowBundle } = await benchTemporal(teardown, dataConverter);
  const taskQueue = `prof-${randomUUID()}`;
  const worker = await createWorker({
    connection: native,
    namespace: 'default',
    workflowBundle,
    dataConverter,
    taskQueue,
    runtime: rt,
  });
  const start = async () => {
    const { Id } = await rt.create({ image: 'busybox', cmd: ['sleep', '1000'], labels: {} });
    const t = performance.now();
    await client.workflow.execute<typeof containerStart>(WorkflowTypes.start, {
      taskQueue,
      workflowId: startWorkflowId(Id),
      args: [{ container: Id }],
    });
    const ms = performance.now() - t;
    // as the CI budget does: one running container at a time (every running container's monitor polls)
    await rt.remove(Id, true);
    await monitorEnded(client, Id);
    return ms;
  };
  await worker.runUntil(async () => {
    for (let i = 0; i < WARM_UP; i++) await start();
    const from = process.hrtime.bigint() / 1000n;
    const cpu0 = process.cpuUsage();
    const ms: number[] = [];
    for (let i = 0; i < N; i++) ms.push(await start());
    const cpu = process.cpuUsage(cpu0);
    const to = process.hrtime.bigint() / 1000n;
    ms.sort((a, b) => a - b);
    console.log(
      `starts ${N}: p50 ${ms[N >> 1]!.toFixed(1)} ms; worker process CPU ${((cpu.user + cpu.system) / 1000 / N).toFixed(1)} ms per start (user ${(cpu.user / 1000 / N).toFixed(1)})`,
    );
    await fs.writeFile(
      path.join(process.env.PROF_DIR ?? '/tmp/prof', 'window.json'),
      JSON.stringify({ from: Number(from), to: Number(to), n: N }),
    );
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
