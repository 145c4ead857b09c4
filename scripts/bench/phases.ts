import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { NativeConnection, WorkerOptions } from '@temporalio/worker';
import { getConfig } from '../../config';
import type { WorkerTuning } from '../../config/worker-tuning';
import { startWorkflowId, WorkflowTypes } from '../../common/names';
import type { HostRuntime } from '../../runtime/host-runtime';
import { runtimeConfigOf, selectRuntime } from '../../runtime/select';
import { createWorker, withFaults } from '../../worker/create';
import type { containerStart } from '../../workflows/container-start';
import { measureCompensation } from './compensation';
import { StepClock } from './step-clock';
import { EngineClient } from './engine';
import { measureMemory } from './memory';
import { monitorEnded } from './monitor-ended';
import type { Results, ThroughputResult, Unmeasured } from './report';
import type { Teardown } from './teardown';
import { measureThroughput, type ThroughputSide } from './throughput';

/**
 * The measurements after the alternating rounds, each its own phase: compensation latency (a worker of its
 * own with fault injection on), throughput (the saga beside dockerd, then the simulated driver on a worker of
 * its own), memory (a real worker process beside dockerd). A phase that fails is reported as not measured
 * and the next one still runs.
 */
const LEVELS = [1, 10, 50] as const;
const THROUGHPUT_N = Number(process.env.BENCH_THROUGHPUT_N || 50);
const COMPENSATION_N = Number(process.env.BENCH_COMPENSATION_N || 10);
const MEMORY_N = Number(process.env.BENCH_MEMORY_N || 50);
/** Starts through dockerd at once: one kept-alive connection each. */
const DOCKER_SOCKETS = Math.max(...LEVELS);

export interface PhaseContext {
  teardown: Teardown;
  /** the bench's state root, shared by the workers of its driver */
  root: string;
  address: string;
  native: NativeConnection;
  client: Client;
  /** the bench's runtime and task queue, served by the bench's in-process worker */
  rt: HostRuntime;
  taskQueue: string;
  workflowBundle: WorkerOptions['workflowBundle'];
  dataConverter: WorkerOptions['dataConverter'];
  tuning: WorkerTuning;
  image: string;
  cmd: string[];
  apiVersion: string;
  dockerd?: { socket: string; dir: string };
  temporalPid?: number;
}

export type PhaseResults = Pick<Results, 'compensation' | 'throughput' | 'memory'>;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Runs `f`; a failure (other than the bench stopping) becomes the phase's reason. */
async function phase<T>(ctx: PhaseContext, name: string, f: () => Promise<T>): Promise<T | Unmeasured> {
  if (ctx.teardown.stopping) throw new Error('interrupted');
  try {
    return await f();
  } catch (err) {
    if (ctx.teardown.stopping) throw err;
    console.error(`bench: ${name} failed: ${err instanceof Error ? err.stack : String(err)}`);
    return { measured: false, reason: `failed: ${message(err)}` };
  }
}

/** Throws naming a BENCH_* variable of the phases that is not a whole number ≥ 1 (checked before the bench starts). */
export function checkPhaseSettings(): void {
  for (const [name, n] of [
    ['BENCH_THROUGHPUT_N', THROUGHPUT_N],
    ['BENCH_COMPENSATION_N', COMPENSATION_N],
    ['BENCH_MEMORY_N', MEMORY_N],
  ] as const) {
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`${name} must be a whole number, 1 or more (got "${process.env[name]}")`);
  }
}

export async function runPhases(ctx: PhaseContext): Promise<PhaseResults> {
  const stopping = () => ctx.teardown.stopping;
  const docker = ctx.dockerd ? new EngineClient(ctx.dockerd.socket, ctx.apiVersion, DOCKER_SOCKETS) : undefined;
  if (docker) ctx.teardown.add('close the dockerd throughput client', async () => docker.close());

  // A worker of the same driver on the same root with fault injection on (its own runtime object: the fault
  // hooks are on it, not on the bench's, whose steps stay without them), its steps timed by a clock of its own
  // around the faults.
  const compensation = await phase(ctx, 'compensation', async () => {
    const clock = new StepClock();
    const timed = (
      await selectRuntime(ctx.rt.kind, ctx.root, { ...runtimeConfigOf(getConfig()), hooks: clock.hooks() })
    ).runtime;
    const runtime = withFaults(timed, undefined);
    const taskQueue = `bench-faults-${randomUUID()}`;
    const worker = await createWorker({ ...workerBase(ctx), taskQueue, runtime });
    const r = await worker.runUntil(
      measureCompensation({
        client: ctx.client,
        taskQueue,
        runtime,
        clock,
        image: ctx.image,
        cmd: ctx.cmd,
        n: COMPENSATION_N,
        stopping,
      }),
    );
    return { ...r, n: COMPENSATION_N };
  });

  const throughput = await phase(ctx, 'throughput', async (): Promise<ThroughputResult> => {
    const sides: ThroughputSide[] = [sagaSide(ctx, `saga (${ctx.rt.kind})`, ctx.rt, ctx.taskQueue)];
    if (docker) {
      sides.push({
        name: 'dockerd Engine API',
        create: () => docker.create(ctx.image, ctx.cmd),
        start: (id) => docker.start(id),
        remove: (id) => docker.remove(id),
      });
    }
    const measured = await measureThroughput(sides, LEVELS, THROUGHPUT_N, stopping);
    // The simulated driver: a runtime on a root of its own, served by a worker on a task queue of its own.
    const simRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-bench-sim-'));
    ctx.teardown.add(`remove ${simRoot}`, () => fs.rm(simRoot, { recursive: true, force: true }));
    const sim = (await selectRuntime('simulated', simRoot, runtimeConfigOf(getConfig()))).runtime;
    await sim.importImage(ctx.image, 'busybox-static');
    const simQueue = `bench-simulated-${randomUUID()}`;
    const simWorker = await createWorker({ ...workerBase(ctx), taskQueue: simQueue, runtime: sim });
    const [simulated] = await simWorker.runUntil(
      measureThroughput([sagaSide(ctx, 'saga (simulated)', sim, simQueue)], LEVELS, THROUGHPUT_N, stopping),
    );
    const most = (s: (typeof measured)[number] | undefined) =>
      s?.levels.find((l) => l.inFlight === Math.max(...LEVELS))?.startsPerSecond;
    const [ours, theirs] = [most(measured[0]), most(measured[1])];
    return {
      n: THROUGHPUT_N,
      levels: [...LEVELS],
      sides: measured,
      simulated,
      ...(ours && theirs ? { ratioAtMost: ours / theirs } : {}),
    };
  });

  const memory = await phase(ctx, 'memory', () =>
    measureMemory({
      teardown: ctx.teardown,
      client: ctx.client,
      address: ctx.address,
      runtime: ctx.rt,
      image: ctx.image,
      cmd: ctx.cmd,
      n: MEMORY_N,
      ...(ctx.dockerd && docker ? { docker: { dir: ctx.dockerd.dir, engine: docker } } : {}),
      temporalPid: ctx.temporalPid,
    }),
  );
  return { compensation, throughput, memory };
}

function workerBase(ctx: PhaseContext) {
  return {
    connection: ctx.native,
    namespace: 'default',
    workflowBundle: ctx.workflowBundle,
    dataConverter: ctx.dataConverter,
    tuning: ctx.tuning,
  };
}

/**
 * Starts through the saga on `taskQueue`; containers created and removed through the runtime (not timed), the removal
 * until the monitor has ended.
 */
function sagaSide(ctx: PhaseContext, name: string, rt: HostRuntime, taskQueue: string): ThroughputSide {
  return {
    name,
    create: async () => (await rt.create({ image: ctx.image, cmd: ctx.cmd })).Id,
    start: (id) =>
      ctx.client.workflow.execute<typeof containerStart>(WorkflowTypes.start, {
        taskQueue,
        workflowId: startWorkflowId(id),
        args: [{ container: id }],
      }),
    remove: async (id) => {
      await rt.remove(id, true);
      await monitorEnded(ctx.client, id);
    },
  };
}
