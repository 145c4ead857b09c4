import type { FaultPoint } from '../common/steps';
import type { StepContext } from './contract';

/**
 * Runs around every acquire and release of a host step, and around mark-running's record write: the worker's
 * fault injection (runtime/faults.ts, composed in by worker/create.ts) and the bench's step clock. `point` is
 * the step's or the release's name from the table, or `mark-running`.
 */
export interface StepHooks {
  around<T>(point: FaultPoint, id: string, ctx: StepContext | undefined, call: () => Promise<T>): Promise<T>;
}

/** `outer` around `inner`: both fire at every point, `outer` first. */
export function nestHooks(outer: StepHooks, inner: StepHooks): StepHooks {
  return { around: (point, id, ctx, call) => outer.around(point, id, ctx, () => inner.around(point, id, ctx, call)) };
}
