import type { ContainerRuntime } from '../runtime/contract';
import { createOpsActivities } from './ops';
import { createStartActivities } from './start-steps';
import { createVerbActivities } from './verbs';

/** Every activity the worker registers, bound to one driver (the seam between Linux and simulated). */
export function createActivities(runtime: ContainerRuntime) {
  return { ...createStartActivities(runtime), ...createOpsActivities(runtime), ...createVerbActivities(runtime) };
}

export type Activities = ReturnType<typeof createActivities>;
