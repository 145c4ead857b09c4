import { proxyLocalActivities } from '@temporalio/workflow';

/**
 * What Temporal alone costs a start, for the bench's floor (scripts/bench/floor/temporal.ts): workflows that do
 * nothing but take the saga's shape. Bundled on their own, never into the product's workflows.
 */
export interface FloorActivities {
  noop(): Promise<void>;
}

const { noop } = proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '10s' });

/** Start + result and nothing else: one workflow task. */
export async function emptyWorkflow(): Promise<void> {}

/**
 * A start's local activities, each a no-op: the first look with its checks and claim; the
 * three prepare steps at once; spec, process, mark running. One workflow task, as a start on its owner's
 * worker.
 */
export async function startShapeWorkflow(): Promise<void> {
  await noop();
  await Promise.all([noop(), noop(), noop()]);
  for (let i = 0; i < 3; i++) await noop();
}
