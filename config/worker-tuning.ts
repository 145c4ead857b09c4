import type { WorkerOptions } from '@temporalio/worker';
import { ConfigError } from './config-error';

/**
 * The worker's slots and pollers, read from CONTAINER_SAGA_* variables and passed to Worker.create as is.
 * Unset, each keeps the SDK's default (1.24: 100 activity and 100 local activity slots, 40 workflow task slots,
 * pollers min(10, slots)).
 */
export type WorkerTuning = Pick<
  WorkerOptions,
  | 'maxConcurrentActivityTaskExecutions'
  | 'maxConcurrentLocalActivityExecutions'
  | 'maxConcurrentWorkflowTaskExecutions'
  | 'activityTaskPollerBehavior'
  | 'workflowTaskPollerBehavior'
>;

export type TuningVariable =
  | 'CONTAINER_SAGA_MAX_ACTIVITIES'
  | 'CONTAINER_SAGA_MAX_LOCAL_ACTIVITIES'
  | 'CONTAINER_SAGA_MAX_WORKFLOW_TASKS'
  | 'CONTAINER_SAGA_ACTIVITY_POLLERS'
  | 'CONTAINER_SAGA_WORKFLOW_POLLERS'
  | 'CONTAINER_SAGA_SHUTDOWN_GRACE';

/** The SDK's slot defaults without a tuner, which bound a fixed number of pollers. */
const SDK_DEFAULT_SLOTS = { activity: 100, workflow: 40 } as const;

/**
 * Default grace: Kubernetes sends SIGKILL 30 s after SIGTERM (terminationGracePeriodSeconds); 25 s leaves the
 * worker 5 s to cancel what is still running, report it and close its connection before that. Steps take
 * well under a second here (a side-effect step may take at most 60 s, its start-to-close timeout).
 */
export const DEFAULT_SHUTDOWN_GRACE_MS = 25_000;

/** After the grace, the time steps get to notice their cancellation and report it before the worker gives up. */
export const SHUTDOWN_FORCE_AFTER_GRACE_MS = 5_000;

type PollerBehavior = NonNullable<WorkerOptions['activityTaskPollerBehavior']>;

type Read = (name: TuningVariable) => string | undefined;

/** The tuning in the variables `read` returns (unset: undefined); throws ConfigError naming a bad variable. */
export function parseWorkerTuning(read: Read): WorkerTuning {
  const maxActivities = count(read, 'CONTAINER_SAGA_MAX_ACTIVITIES', 1);
  const maxLocalActivities = count(read, 'CONTAINER_SAGA_MAX_LOCAL_ACTIVITIES', 1);
  // The SDK keeps a sticky cache, which needs two workflow task slots (and two pollers: sticky and shared).
  const maxWorkflowTasks = count(read, 'CONTAINER_SAGA_MAX_WORKFLOW_TASKS', 2);
  const activityPollers = pollers(read, 'CONTAINER_SAGA_ACTIVITY_POLLERS', 1, {
    name: 'CONTAINER_SAGA_MAX_ACTIVITIES',
    slots: maxActivities ?? SDK_DEFAULT_SLOTS.activity,
  });
  const workflowPollers = pollers(read, 'CONTAINER_SAGA_WORKFLOW_POLLERS', 2, {
    name: 'CONTAINER_SAGA_MAX_WORKFLOW_TASKS',
    slots: maxWorkflowTasks ?? SDK_DEFAULT_SLOTS.workflow,
  });
  return {
    ...(maxActivities !== undefined ? { maxConcurrentActivityTaskExecutions: maxActivities } : {}),
    ...(maxLocalActivities !== undefined ? { maxConcurrentLocalActivityExecutions: maxLocalActivities } : {}),
    ...(maxWorkflowTasks !== undefined ? { maxConcurrentWorkflowTaskExecutions: maxWorkflowTasks } : {}),
    ...(activityPollers ? { activityTaskPollerBehavior: activityPollers } : {}),
    ...(workflowPollers ? { workflowTaskPollerBehavior: workflowPollers } : {}),
  };
}

/** CONTAINER_SAGA_SHUTDOWN_GRACE in ms: `30s`, `1m`, `500ms`, `1.5h` or bare seconds (`30`); `0` cancels at once. */
export function parseShutdownGrace(read: Read): number {
  const name = 'CONTAINER_SAGA_SHUTDOWN_GRACE';
  const value = read(name);
  if (value === undefined) return DEFAULT_SHUTDOWN_GRACE_MS;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value);
  if (!m)
    throw new ConfigError(
      `${name} must be a duration: a number with ms, s, m or h (seconds when bare), e.g. 30s (got "${value}")`,
    );
  const ms = Math.round(
    Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'],
  );
  return ms;
}

function count(read: Read, name: TuningVariable, min: number): number | undefined {
  const value = read(name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > 100_000)
    throw new ConfigError(`${name} must be a whole number from ${min} to 100000 (got "${value}")`);
  return n;
}

/**
 * `N`: at most N polls at once (the SDK's simple maximum), no more than the slots they fill;
 * `auto` or `auto:MIN-MAX`: the SDK's autoscaling pollers, between MIN and MAX (default 1-100 as the SDK's;
 * a poll waits for a free slot, so MAX may exceed the slots).
 */
function pollers(
  read: Read,
  name: TuningVariable,
  min: number,
  slots: { name: string; slots: number },
): PollerBehavior | undefined {
  const value = read(name);
  if (value === undefined) return undefined;
  const fixed = /^\d+$/.test(value) ? Number(value) : undefined;
  if (fixed !== undefined) {
    if (fixed < min) throw new ConfigError(`${name} must be at least ${min} (got "${value}")`);
    if (fixed > slots.slots)
      throw new ConfigError(`${name} (${fixed}) cannot exceed the slots it fills: ${slots.slots} (${slots.name})`);
    return { type: 'simple-maximum', maximum: fixed };
  }
  const auto = /^auto(?::(\d+)-(\d+))?$/.exec(value);
  if (!auto) throw new ConfigError(`${name} must be a number of pollers, auto or auto:MIN-MAX (got "${value}")`);
  const minimum = auto[1] !== undefined ? Number(auto[1]) : Math.max(1, min);
  const maximum = auto[2] !== undefined ? Number(auto[2]) : 100;
  if (minimum < min || maximum < minimum)
    throw new ConfigError(`${name}: auto:MIN-MAX needs ${min} <= MIN <= MAX (got "${value}")`);
  return { type: 'autoscaling', minimum, maximum, initial: Math.min(Math.max(5, minimum), maximum) };
}

/** One line for the worker's banner: what is tuned, or that the SDK's defaults apply. */
export function describeWorkerTuning(t: WorkerTuning): string {
  const pollers = (b: PollerBehavior | undefined) =>
    b === undefined ? 'default' : b.type === 'simple-maximum' ? `${b.maximum}` : `auto ${b.minimum}-${b.maximum}`;
  const slot = (n: number | undefined) => (n === undefined ? 'default' : `${n}`);
  return (
    `slots: ${slot(t.maxConcurrentActivityTaskExecutions)} activities, ${slot(t.maxConcurrentLocalActivityExecutions)} local activities, ` +
    `${slot(t.maxConcurrentWorkflowTaskExecutions)} workflow tasks; pollers: ${pollers(t.activityTaskPollerBehavior)} activity, ${pollers(t.workflowTaskPollerBehavior)} workflow`
  );
}
