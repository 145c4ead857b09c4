import type { ContainerSnapshot } from '../common/start-api';
import { START_ACTIVITIES } from '../common/step-activities';

/**
 * The Web UI's one-line summary of each activity the start saga runs, from the step tables (common/steps.ts)
 * and what is known before it runs (the container's name and snapshot; an IP address or a pid is only known
 * after). User metadata is not part of replay's command matching: changing a summary needs no patch.
 */
export interface SummaryContext {
  /** the container's name, or what the lookup is given */
  name: string;
  snap?: ContainerSnapshot;
}

/** The summary of `activity` for this container; an activity not in the tables is named with its container. */
export function stepSummary(activity: string, ctx: SummaryContext): string {
  const entry = START_ACTIVITIES.get(activity);
  return entry ? entry.summary(ctx.name, ctx.snap) : `${activity} ${ctx.name}`;
}
