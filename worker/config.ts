import { DEFAULT_TASK_QUEUE } from '../common/names';
import { stateRoot } from '../runtime/paths';
import type { DriverChoice } from '../runtime/select';

/** The worker's settings, from the environment (names are contracts: see README). */
export interface WorkerConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  root: string;
  driver: DriverChoice;
  /** fault plan for every container (runtime/faults.ts) */
  faults?: string;
  /** CONTAINER_SAGA_ALLOW_FAULTS=1: fault injection on, labels included (tests and the demo) */
  allowFaults: boolean;
  /** path of a prebuilt workflow bundle (bundleWorkflowCode output), instead of bundling at start-up */
  workflowBundlePath?: string;
}

export function workerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const driver = (env.CONTAINER_SAGA_DRIVER ?? 'auto') as DriverChoice;
  if (!['simulated', 'linux', 'auto'].includes(driver)) {
    throw new Error(`CONTAINER_SAGA_DRIVER must be simulated, linux or auto (got "${driver}")`);
  }
  return {
    address: env.TEMPORAL_ADDRESS ?? 'localhost:7233',
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: env.CONTAINER_SAGA_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
    root: stateRoot(),
    driver,
    faults: env.CONTAINER_SAGA_FAULTS || undefined,
    allowFaults: env.CONTAINER_SAGA_ALLOW_FAULTS === '1',
    workflowBundlePath: env.CONTAINER_SAGA_WORKFLOW_BUNDLE || undefined,
  };
}
