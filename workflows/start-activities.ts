import { proxyLocalActivities, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { PinnedLocalActivityOptions } from '../common/host-pin';
import type { HostStepEntry } from '../common/steps';
import { onHost } from './host-routing';
import { cleanup, cleanupLocal, cleanupLocalSteps, fast, fastLocal, sideEffect, sideEffectLocal } from './options';
import { stepSummary, type SummaryContext } from './step-summaries';

/**
 * The activity proxies of one start, by kind of step, each activity with its own summary (step-summaries.ts)
 * so the Web UI's timeline reads "prepare network (bridge) for web" rather than a bare type. When the owner's
 * worker holds the workflow task, all are local activities pinned to that host (the whole start is one
 * workflow task); otherwise activities on the owner's host queue:
 * - quick: record reads and writes (lookup, checks, claim, links, working dir, spec, mark running);
 * - sideEffect: the host steps (rootfs, network, IPC, volumes, process);
 * - undo: compensations and the failure path's record writes, retried with backoff;
 * - releaseClaim: the claim's release.
 */
export interface StartActivities {
  quick: Activities;
  sideEffect: Activities;
  undo: Activities;
  releaseClaim: Activities;
}

/** A proxy whose every activity is scheduled with its own summary (a proxy is cheap: made per call). */
function summarized(make: (summary: string) => Activities, ctx: SummaryContext): Activities {
  return new Proxy({} as Activities, {
    get: (_, activity) =>
      typeof activity === 'string' ? make(stepSummary(activity, ctx))[activity as keyof Activities] : undefined,
  });
}

/**
 * Where the start's activities run: on the owner's host; locally only while the owner is the host whose worker
 * looked the container up in this workflow task.
 */
export interface StartPlacement {
  host: string;
  ownerLooksUp: boolean;
}

export function startActivities(ctx: SummaryContext, { host, ownerLooksUp }: StartPlacement): StartActivities {
  if (ownerLooksUp) {
    // pinned to the owner: a worker of another host that takes the task over refuses them (common/host-pin.ts)
    const local = (options: LocalActivityOptions) =>
      summarized((summary) => {
        const pinned: PinnedLocalActivityOptions = { ...options, summary, pinnedHost: host };
        return proxyLocalActivities<Activities>(pinned);
      }, ctx);
    return {
      quick: local(fastLocal),
      sideEffect: local(sideEffectLocal),
      undo: local(cleanupLocalSteps),
      releaseClaim: local(cleanupLocal),
    };
  }
  const routed = (options: ActivityOptions) => summarized((summary) => onHost(host, { ...options, summary }), ctx);
  return { quick: routed(fast), sideEffect: routed(sideEffect), undo: routed(cleanup), releaseClaim: routed(cleanup) };
}

type IdActivity = (input: { id: string }) => Promise<unknown>;

/** A host step's acquire activity, through the proxy its kind runs on (the table says which). */
export function acquireActivity(acts: StartActivities, step: HostStepEntry): IdActivity {
  return (step.local ? acts.quick : acts.sideEffect)[step.activity] as IdActivity;
}

/** A host step's release activity (a compensation). */
export function releaseActivity(
  acts: StartActivities,
  step: Extract<HostStepEntry, { releaseActivity: string }>,
): IdActivity {
  return acts.undo[step.releaseActivity] as IdActivity;
}
