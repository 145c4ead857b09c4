import { ContainerError } from '../common/errors';
import type { HostRuntime } from '../runtime/host-runtime';
import { createHostActivities } from './hosts';
import { createMonitorActivities, type MonitorActivityOptions } from './monitor';
import { createOpsActivities } from './ops';
import { createStartActivities, type StartActivityOptions } from './start-steps';
import { toFailure } from './to-failure';
import { createVerbActivities } from './verbs';

/**
 * An activity scheduled with `onHost` (the start saga's local steps, workflows/start-activities.ts)
 * runs only on that host: a worker of another host refuses it, non-retryable, instead of touching its own
 * store. The field is taken off before the activity sees its input.
 */
type AnyActivity = (...args: unknown[]) => Promise<unknown>;

function pinnedToHost(runtime: HostRuntime, fn: AnyActivity): AnyActivity {
  return async (...args: unknown[]) => {
    const input = args[0];
    if (typeof input === 'object' && input !== null && Object.hasOwn(input, 'onHost')) {
      const { onHost, ...rest } = input as { onHost: unknown };
      if (onHost !== runtime.hostName) {
        throw toFailure(new ContainerError('HostUnavailable', `host ${String(onHost)} is unavailable: its step reached a worker of host ${runtime.hostName} (the owner's worker left mid-task)`));
      }
      return fn(rest, ...args.slice(1));
    }
    return fn(...args);
  };
}

/** Every activity the worker registers, bound to one runtime (the seam between Linux and simulated). */
export function createActivities(runtime: HostRuntime, opts: StartActivityOptions & MonitorActivityOptions = {}) {
  const all = {
    ...createStartActivities(runtime, opts),
    ...createOpsActivities(runtime),
    ...createMonitorActivities(runtime, opts),
    ...createVerbActivities(runtime),
    ...createHostActivities(runtime),
  };
  return Object.fromEntries(Object.entries(all).map(([name, fn]) => [name, pinnedToHost(runtime, fn as AnyActivity)])) as unknown as typeof all;
}

export type Activities = ReturnType<typeof createActivities>;
