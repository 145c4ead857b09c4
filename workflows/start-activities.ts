import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { HostStepEntry } from '../common/steps';
import { cleanup, cleanupLocal, fast, fastLocal, sideEffect } from './options';

/**
 * The activity proxies of one start, by kind of step, each with a summary so the Web UI's timeline reads
 * "mountRootfs • web" rather than a bare type:
 * - quick: record reads and writes (lookup, checks, claim, links, working dir, spec, mark running); local
 *   activities since v3 (`local-record-steps`), regular ones before;
 * - sideEffect: the heartbeating host steps (rootfs, network, IPC, volumes, process);
 * - undo: compensations and the failure path's record writes, retried with backoff;
 * - releaseClaim: the claim's release, local since v3.
 */
export interface StartActivities {
  quick: Activities;
  sideEffect: Activities;
  undo: Activities;
  releaseClaim: Activities;
}

export function startActivities(name: string, localSteps: boolean): StartActivities {
  return {
    quick: localSteps ? proxyLocalActivities<Activities>({ ...fastLocal, summary: name }) : proxyActivities<Activities>({ ...fast, summary: name }),
    sideEffect: proxyActivities<Activities>({ ...sideEffect, summary: name }),
    undo: proxyActivities<Activities>({ ...cleanup, summary: name }),
    releaseClaim: localSteps
      ? proxyLocalActivities<Activities>({ ...cleanupLocal, summary: `release claim ${name}` })
      : proxyActivities<Activities>({ ...cleanup, summary: `release claim ${name}` }),
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
