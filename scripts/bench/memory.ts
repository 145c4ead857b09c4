import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { startWorkflowId, WorkflowTypes } from '../../common/names';
import type { HostRuntime } from '../../runtime/host-runtime';
import type { containerStart } from '../../workflows/container-start';
import { cpuPerSecond } from './cpu';
import type { EngineClient } from './engine';
import { pool, reportCleanup } from './pool';
import { processes, rssKb, total } from './rss';
import type { Teardown } from './teardown';
import { spawnBenchWorker } from './worker-process';

/**
 * Memory: resident sizes idle and with `n` containers running, ours beside Docker's, sampled at the same moments.
 * Ours: a real worker process (worker-process.ts) on a task queue of its own, sharing the bench's state root, and
 * the process our Linux driver keeps per container (conmon, and any sh or runc left of a container of the previous
 * release: those whose command line names the state root). Docker's: dockerd, its containerd and the
 * containerd-shim per container (those whose command line names the private daemon's directory). The containers'
 * own processes (busybox sleep) are counted on neither side. Each sample is taken SETTLE_MS after the last start,
 * so the monitors' first looks and Go's start-up allocations are in it.
 *
 * Then the same processes' CPU time over CPU_WINDOW_MS of idleness, per second: with no container (at least
 * CPU_WARM_UP_MS after the worker was ready: a worker just started keeps busy for some seconds), then with the `n`
 * running (each side's). Ours is mostly the monitor's wait, one activity per running container
 * (runtime/monitor.ts), and its heartbeats.
 */
const SETTLE_MS = 3000;
const IN_FLIGHT = 10;
const CPU_WINDOW_MS = 10_000;
const CPU_WARM_UP_MS = 20_000;

export interface Sizes {
  /** RSS */
  mb: number;
  /** PSS, for groups of processes */
  pssMb?: number;
  count?: number;
}

/** CPU ms per second of idleness, by process or group of processes (the same as the sample's sizes). */
export type IdleCpu = Partial<
  Record<'worker' | 'shims' | 'dockerd' | 'containerd' | 'dockerShims' | 'temporal', number>
>;

export interface MemorySample {
  /** CPU_WINDOW_MS after the sizes were read */
  cpu?: IdleCpu;
  worker: Sizes;
  /** our per-container processes */
  shims: Sizes;
  dockerd?: Sizes;
  containerd?: Sizes;
  dockerShims?: Sizes;
  temporal?: Sizes;
}

export interface MemoryResult {
  running: number;
  worker: { entry: string; banner: string[] };
  idle: MemorySample;
  busy: MemorySample;
}

export interface MemoryOptions {
  teardown: Teardown;
  client: Client;
  address: string;
  runtime: HostRuntime;
  image: string;
  cmd: string[];
  n: number;
  /** the private dockerd: its directory (every root under it) and a client that takes IN_FLIGHT requests at once */
  docker?: { dir: string; engine: EngineClient };
  /** the Temporal dev server's pid */
  temporalPid?: number;
}

export async function measureMemory(o: MemoryOptions): Promise<MemoryResult> {
  const taskQueue = `bench-memory-${randomUUID()}`;
  const worker = await spawnBenchWorker(o.teardown, {
    address: o.address,
    taskQueue,
    root: o.runtime.root,
    driver: o.runtime.kind,
  });
  const ready = Date.now();
  const ours: string[] = [];
  const theirs: string[] = [];
  try {
    const sample = async (cpuFrom: number): Promise<MemorySample> => {
      const procs = await processes();
      const mentioning = (s: string, comm: (c: string) => boolean) =>
        procs.filter((p) => p.cmdline.includes(s) && comm(p.comm));
      const workerKb = await rssKb(worker.pid);
      if (workerKb === undefined) throw new Error('the worker process is gone');
      const shims = mentioning(o.runtime.root, (c) => c === 'conmon' || c === 'sh' || c === 'runc');
      const out: MemorySample = { worker: { mb: workerKb / 1024 }, shims: total(shims) };
      const pids: Partial<Record<keyof IdleCpu, number[]>> = { worker: [worker.pid], shims: shims.map((p) => p.pid) };
      if (o.docker) {
        const d = o.docker.dir;
        const [dockerd, containerd, dockerShims] = [
          mentioning(d, (c) => c === 'dockerd'),
          mentioning(d, (c) => c === 'containerd'),
          mentioning(d, (c) => c.startsWith('containerd-shim')),
        ];
        Object.assign(out, { dockerd: total(dockerd), containerd: total(containerd), dockerShims: total(dockerShims) });
        Object.assign(pids, {
          dockerd: dockerd.map((p) => p.pid),
          containerd: containerd.map((p) => p.pid),
          dockerShims: dockerShims.map((p) => p.pid),
        });
      }
      const t = o.temporalPid === undefined ? undefined : await rssKb(o.temporalPid);
      if (t !== undefined) out.temporal = { mb: t / 1024 };
      if (o.temporalPid !== undefined) pids.temporal = [o.temporalPid];
      await new Promise((r) => setTimeout(r, Math.max(0, cpuFrom - Date.now())));
      out.cpu = await cpuPerSecond(pids, CPU_WINDOW_MS);
      return out;
    };
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const idle = await sample(ready + CPU_WARM_UP_MS);

    ours.push(
      ...(await pool(
        Array.from({ length: o.n }),
        IN_FLIGHT,
        async () => (await o.runtime.create({ image: o.image, cmd: o.cmd })).Id,
      )),
    );
    await pool(ours, IN_FLIGHT, (id) =>
      o.client.workflow.execute<typeof containerStart>(WorkflowTypes.start, {
        taskQueue,
        workflowId: startWorkflowId(id),
        args: [{ container: id }],
      }),
    );
    const engine = o.docker?.engine;
    if (engine) {
      theirs.push(...(await pool(Array.from({ length: o.n }), IN_FLIGHT, () => engine.create(o.image, o.cmd))));
      await pool(theirs, IN_FLIGHT, (id) => engine.start(id));
    }
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const busy = await sample(0);
    return { running: o.n, worker: { entry: worker.entry, banner: worker.banner }, idle, busy };
  } finally {
    await pool(ours, IN_FLIGHT, (id) => o.runtime.remove(id, true).catch(reportCleanup(id)));
    if (o.docker) await pool(theirs, IN_FLIGHT, (id) => o.docker!.engine.remove(id).catch(reportCleanup(id)));
    await worker.stop();
  }
}
