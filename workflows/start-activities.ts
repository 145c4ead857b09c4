import { proxyActivities, proxyLocalActivities, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { HostStepEntry } from '../common/steps';
import { onHost } from './host-routing';
import { cleanup, cleanupLocal, cleanupLocalSteps, fast, fastLocal, sideEffect, sideEffectLocal } from './options';
import { stepSummary, type SummaryContext } from './step-summaries';

/**
 * The activity proxies of one start, by kind of step, each activity with its own summary (step-summaries.ts)
 * so the Web UI's timeline reads "prepare network (bridge) for web" rather than a bare type:
 * - quick: record reads and writes (lookup, checks, claim, links, working dir, spec, mark running); local
 *   activities since v3 (`local-record-steps`), regular ones before;
 * - sideEffect: the host steps (rootfs, network, IPC, volumes, process): heartbeating activities on the
 *   owner's host queue, or since v11 (`host-steps-local`) local activities when the owner's worker holds the
 *   workflow task;
 * - undo: compensations and the failure path's record writes, retried with backoff; local activities with the
 *   host steps since v11, so a failed start compensates in the workflow task where its step failed;
 * - releaseClaim: the claim's release, local since v3.
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
    get: (_, activity) => (typeof activity === 'string' ? make(stepSummary(activity, ctx))[activity as keyof Activities] : undefined),
  });
}

/**
 * Where the start's activities run (v7, many hosts): on the owner's host queue; the record steps (and since
 * v11 the host steps) stay local activities only while the owner is the host whose worker looked the
 * container up in this workflow task. Absent in runs begun before many hosts: every activity on the
 * workflow's own queue.
 */
export interface StartPlacement {
  host: string;
  ownerLooksUp: boolean;
  /** v11: the host steps and the failure path run as local activities too when the owner looks up */
  hostStepsLocal?: boolean;
}

/**
 * Local record steps carry the host they must run on: a worker of another host that takes the workflow task
 * over (the owner's worker died mid-task) refuses them (activities/index.ts), and the start fails
 * HostUnavailable rather than touch a store that is not the container's.
 */
function pinnedLocal(acts: Activities, host: string): Activities {
  return new Proxy({} as Activities, {
    get: (_, name) => {
      if (typeof name !== 'string') return undefined;
      const call = acts[name as keyof Activities] as (input?: object) => Promise<unknown>;
      return (input?: object) => call({ ...input, onHost: host });
    },
  });
}

export function startActivities(ctx: SummaryContext, localSteps: boolean, placement?: StartPlacement): StartActivities {
  const local = (options: LocalActivityOptions) => summarized((summary) => proxyLocalActivities<Activities>({ ...options, summary }), ctx);
  const remote = (options: ActivityOptions) => summarized((summary) => proxyActivities<Activities>({ ...options, summary }), ctx);
  if (placement) {
    const { host } = placement;
    const routed = (options: ActivityOptions) => summarized((summary) => onHost(host, { ...options, summary }), ctx);
    const localHere = (options: LocalActivityOptions) => pinnedLocal(local(options), host);
    const hostStepsHere = placement.ownerLooksUp && placement.hostStepsLocal;
    return {
      quick: placement.ownerLooksUp ? localHere(fastLocal) : routed(fast),
      sideEffect: hostStepsHere ? localHere(sideEffectLocal) : routed(sideEffect),
      undo: hostStepsHere ? localHere(cleanupLocalSteps) : routed(cleanup),
      releaseClaim: placement.ownerLooksUp ? localHere(cleanupLocal) : routed(cleanup),
    };
  }
  return {
    quick: localSteps ? local(fastLocal) : remote(fast),
    sideEffect: remote(sideEffect),
    undo: remote(cleanup),
    releaseClaim: localSteps ? local(cleanupLocal) : remote(cleanup),
  };
}

type IdActivity = (input: { id: string }) => Promise<unknown>;

/** A host step's acquire activity, through the proxy its kind runs on (the table says which). */
export function acquireActivity(acts: StartActivities, step: HostStepEntry): IdActivity {
  return (step.local ? acts.quick : acts.sideEffect)[step.activity] as IdActivity;
}

/** A host step's release activity (a compensation). */
export function releaseActivity(acts: StartActivities, step: Extract<HostStepEntry, { releaseActivity: string }>): IdActivity {
  return acts.undo[step.releaseActivity] as IdActivity;
}
