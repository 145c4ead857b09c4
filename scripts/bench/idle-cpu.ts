/**
 * `npx tsx scripts/bench/idle-cpu.ts [--driver auto|linux|simulated] [--n 0,20,50] [--seconds 10] [--exits 10]`:
 * what a worker costs in CPU while nothing happens but its containers running (mostly the container
 * monitor's wait, one activity per running container). A dev server, an in-process worker on a state root of
 * its own, WARM_UP_MS for it to settle, then for each N (ascending) containers (`busybox sleep 1000`) created
 * and started through the saga until N run, SETTLE_MS for their monitors to begin waiting, and the CPU time of
 * this process (every thread: the worker's Node side, its workflow threads and Rust core; nothing else runs in
 * it meanwhile) and of the Temporal server over `--seconds` of idleness, printed per second. The Linux driver
 * needs root (bridge networking); `auto` takes it when it can run, else the simulated one. Then, so that a
 * cheaper wait is not a slower one, `--exits` of the containers are killed one at a time (SIGKILL through the
 * driver): the time until the monitor has recorded the exit (the record no longer Running, read every
 * millisecond), which includes the monitor workflow's round trip to its next activity. Runs on its own, not in
 * `npm run bench` (whose memory phase reports a real worker process's idle CPU beside its RSS).
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startWorkflowId, WorkflowTypes } from '../../common/names';
import { releaseStateRoot } from '../../runtime/drivers/linux/mounts';
import { getConfig } from '../../config';
import { runtimeConfigOf, selectRuntime } from '../../runtime/select';
import { createWorker } from '../../worker/create';
import type { containerStart } from '../../workflows/container-start';
import { benchRoot, benchTemporal } from './temporal-env';
import { timedCpu } from './cpu';
import { monitorEnded } from './monitor-ended';
import { pool } from './pool';
import { Teardown } from './teardown';

const IMAGE = 'busybox';
const CMD = ['sleep', '1000'];
const SETTLE_MS = 3000;
/** A worker just started keeps busy for some seconds (compilation, its first polls): measured after this. */
const WARM_UP_MS = 20_000;
const IN_FLIGHT = 10;

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

async function measure(teardown: Teardown): Promise<void> {
  const driver = option('driver', 'auto');
  if (!['auto', 'linux', 'simulated'].includes(driver))
    throw new Error(`--driver must be auto, linux or simulated (got "${driver}")`);
  const levels = option('n', '0,20,50').split(',').map(Number);
  if (levels.some((n) => !Number.isInteger(n) || n < 0))
    throw new Error(`--n must list whole numbers (got "${option('n', '')}")`);
  levels.sort((a, b) => a - b);
  const seconds = Number(option('seconds', '10'));
  if (!(seconds > 0)) throw new Error(`--seconds must be a positive number (got "${option('seconds', '')}")`);
  const exits = Number(option('exits', '10'));
  if (!Number.isInteger(exits) || exits < 0)
    throw new Error(`--exits must be a whole number (got "${option('exits', '')}")`);

  const { root, dataConverter } = await benchRoot(teardown, 'cs-idle-cpu-');
  const selected = await selectRuntime(driver as 'auto' | 'linux' | 'simulated', root, runtimeConfigOf(getConfig()));
  const rt = selected.runtime;
  const ids: string[] = [];
  teardown.add('remove the containers, release the state root', async () => {
    await pool(ids, IN_FLIGHT, (id) => rt.remove(id, true).catch(() => undefined));
    if (rt.kind === 'linux') await releaseStateRoot(root).catch(() => undefined);
  });
  await rt.importImage(IMAGE, 'busybox-static');

  const { server, native, client, workflowBundle } = await benchTemporal(teardown, dataConverter);
  const taskQueue = `idle-cpu-${randomUUID()}`;
  const worker = await createWorker({
    connection: native,
    namespace: 'default',
    taskQueue,
    runtime: rt,
    dataConverter,
    workflowBundle,
  });

  console.log(
    `driver: ${rt.kind} (${selected.reason}); ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(`CPU time per second of idleness over ${seconds} s, ${SETTLE_MS / 1000} s after the last start`);
  await worker.runUntil(async () => {
    await new Promise((r) => setTimeout(r, WARM_UP_MS));
    for (const n of levels) {
      await pool(Array.from({ length: n - ids.length }), IN_FLIGHT, async () => {
        const { Id } = await rt.create({ image: IMAGE, cmd: CMD });
        ids.push(Id);
        await client.workflow.execute<typeof containerStart>(WorkflowTypes.start, {
          taskQueue,
          workflowId: startWorkflowId(Id),
          args: [{ container: Id }],
        });
      });
      if (teardown.stopping) throw new Error('interrupted');
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const { ms, cpu } = await timedCpu(server.process.pid, () => new Promise((r) => setTimeout(r, seconds * 1000)));
      const perSecond = (x: number) => ((x / ms) * 1000).toFixed(1);
      console.log(
        `  ${String(n).padStart(3)} running: worker ${perSecond(cpu.self).padStart(6)} ms/s   Temporal server ${perSecond(cpu.server).padStart(6)} ms/s`,
      );
    }
    const noticed: number[] = [];
    for (const id of ids.slice(0, exits)) {
      const t0 = performance.now();
      await rt.driver.signalProcess(id, 9);
      while ((await rt.store.read(id))?.State.Running) {
        if (performance.now() - t0 > 30_000)
          throw new Error(`the exit of ${id.slice(0, 12)} was not recorded within 30 s`);
        await new Promise((r) => setTimeout(r, 1));
      }
      noticed.push(performance.now() - t0);
    }
    if (noticed.length > 0) {
      const sorted = [...noticed].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
      console.log(
        `exit recorded by the monitor after a SIGKILL (n = ${sorted.length}): p50 ${at(0.5)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`,
      );
    }
    // removed while the worker runs, so the monitors end now rather than at the next worker's start
    await pool(ids.splice(0), IN_FLIGHT, async (id) => {
      await rt.remove(id, true);
      await monitorEnded(client, id);
    });
  });
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  const teardown = new Teardown();
  teardown.trapSignals();
  try {
    await measure(teardown);
  } catch (err) {
    if (teardown.signal) return;
    throw err;
  } finally {
    await teardown.run();
  }
}

main().catch((err: unknown) => {
  console.error(`idle-cpu: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
