import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { hostPinInterceptor } from '../activities/host-pin';
import { refusedPayloadInterceptor } from '../activities/refused-payload';
import { workerDataConverter } from '../codec/load';
import { hostTaskQueue } from '../common/hosts-api';
import { SHUTDOWN_FORCE_AFTER_GRACE_MS, type WorkerTuning } from '../config/worker-tuning';
import { workerMetrics } from '../metrics/worker';
import { faultHooks } from '../runtime/faults';
import { HostRuntime } from '../runtime/host-runtime';
import { nestHooks } from '../runtime/step-hooks';
import { HostWorker } from './host-worker';

/**
 * The workflows the worker bundles at start-up: workflows/index.ts when running the sources (tsx, vitest, the
 * replay test), dist/workflows/index.js, compiled by tsc from the same sources, when running the build.
 */
export const WORKFLOWS_PATH = path.resolve(__dirname, '../workflows', `index${path.extname(__filename)}`);

/** What every bundle of the workflows holds: the workflows and their interceptors (workflows/interceptors.ts). */
export const WORKFLOW_BUNDLE: { workflowsPath: string; workflowInterceptorModules: string[] } = {
  workflowsPath: WORKFLOWS_PATH,
  workflowInterceptorModules: [path.resolve(__dirname, '../workflows', `interceptors${path.extname(__filename)}`)],
};

/**
 * The bundle `npm run build` makes of dist/workflows (scripts/build.cjs), beside the compiled worker: started
 * from it, the worker does not run webpack (seconds of start-up, ~60 MB of RSS kept). None for the sources.
 */
const BUILT_WORKFLOW_BUNDLE =
  path.extname(__filename) === '.js' ? path.resolve(__dirname, '../workflow-bundle.js') : undefined;

/** The workflows' sources with their interceptors, for a Worker or a replay that bundles them itself. */
export function workflowSources(): Pick<WorkerOptions, 'workflowsPath' | 'interceptors'> {
  return {
    workflowsPath: WORKFLOW_BUNDLE.workflowsPath,
    interceptors: { workflowModules: WORKFLOW_BUNDLE.workflowInterceptorModules },
  };
}

function workflowCode(
  given: WorkerOptions['workflowBundle'],
): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'interceptors'> {
  if (given) return { workflowBundle: given };
  if (BUILT_WORKFLOW_BUNDLE && existsSync(BUILT_WORKFLOW_BUNDLE))
    return { workflowBundle: { codePath: BUILT_WORKFLOW_BUNDLE } };
  return workflowSources();
}

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  runtime: HostRuntime;
  /**
   * Fault injection (runtime/faults.ts), for tests and demos: when given, the worker serves withFaults(runtime),
   * where the worker-wide plan and the containers' `container-saga.faults` labels fire; when absent, `runtime`
   * itself, which reads no label and refuses the fault label at create.
   */
  faults?: { plan?: string };
  /**
   * a prebuilt bundle (tests bundle once and reuse it); otherwise the build's, else workflows are bundled at start-up
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /**
   * The clients' payload codec (codec/load.ts codecDataConverter), which the host registration's client uses;
   * the Workers get its worker mode (workerDataConverter), which refuses what is not encrypted under an active key.
   * Required: without it createWorker refuses (every worker requires encryption).
   */
  dataConverter?: DataConverter;
  /** slots and pollers (config/worker-tuning.ts); the SDK's defaults when absent */
  tuning?: WorkerTuning;
  /**
   * How long a stopping worker lets in-flight steps finish before the SDK cancels them (shutdownGraceTime);
   * 5 s later it gives up waiting for them (shutdownForceTime). The SDK's default (0) when absent.
   */
  shutdownGraceMs?: number;
  /** aborted when the worker starts stopping: the waits that only watch (monitor, docker wait) give way at once */
  draining?: AbortSignal;
  /** the process's Runtime exports metrics (metrics/runtime.ts): add the per-step metrics and the leftovers gauge */
  metrics?: boolean;
  /**
   * The identity both Workers give the server (shown in each task's history, e.g. ActivityTaskStarted); the
   * SDK's `pid@hostname` when absent. Tests that run two hosts in one process tell them apart by it.
   */
  identity?: string;
}

/**
 * The runtime a worker with fault injection serves: over the same driver and records as `runtime`, with its
 * configuration, the fault label allowed, and the fault hooks around every host step, release and mark-running
 * (inside the hooks `runtime` has, e.g. the bench's clock, so those time what the faults do). Neither the
 * drivers nor the runtime know the injector: this is where it is composed in.
 */
export function withFaults(runtime: HostRuntime, plan: string | undefined): HostRuntime {
  const faults = faultHooks(runtime, plan);
  const { hooks } = runtime.config;
  return new HostRuntime(runtime.driver, {
    ...runtime.config,
    faultsAllowed: true,
    hooks: hooks ? nestHooks(hooks, faults) : faults,
  });
}

/**
 * The worker of one host (worker/host-worker.ts): on the shared queue every workflow of workflows/ and the
 * activities bound to the runtime (with faults, when enabled); on the host queue (`<queue>@<host>`, the
 * runtime's host name) the same activities, which the workflows route there.
 */
export async function createWorker(opts: CreateWorkerOptions): Promise<HostWorker> {
  const runtime = opts.faults ? withFaults(opts.runtime, opts.faults.plan) : opts.runtime;
  const activities = createActivities(runtime, { monitorRuns: true, draining: opts.draining });
  const common = {
    connection: opts.connection,
    namespace: opts.namespace,
    dataConverter: workerDataConverter(opts.dataConverter),
    activities,
    ...(opts.identity ? { identity: opts.identity } : {}),
    interceptors: {
      activity: [
        refusedPayloadInterceptor,
        hostPinInterceptor(runtime.hostName),
        ...(opts.metrics ? workerMetrics(runtime) : []),
      ],
    },
    ...opts.tuning,
    ...(opts.shutdownGraceMs !== undefined
      ? {
          shutdownGraceTime: opts.shutdownGraceMs,
          shutdownForceTime: opts.shutdownGraceMs + SHUTDOWN_FORCE_AFTER_GRACE_MS,
        }
      : {}),
  } satisfies Partial<WorkerOptions>;
  const shared = await Worker.create({
    ...common,
    taskQueue: opts.taskQueue,
    ...workflowCode(opts.workflowBundle),
    // A worker that died leaves its sticky queue unpolled: move its workflows to the shared queue after 2 s
    // rather than the default 10 s, so a replacement worker resumes a start quickly (a cache miss only
    // costs a replay of the start's short history).
    stickyQueueScheduleToStartTimeout: '2s',
  });
  const host = await Worker.create({ ...common, taskQueue: hostTaskQueue(opts.taskQueue, runtime.hostName) });
  return new HostWorker(shared, host, {
    name: runtime.hostName,
    driver: runtime.kind,
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    dataConverter: opts.dataConverter,
  });
}
