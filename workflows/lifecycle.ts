import type { ActivityOptions } from '@temporalio/workflow';
import type { HostScopedInput, WaitInput, WaitResult } from '../common/ops-api';
import { checkInput, surfaced } from './failures';
import * as onHosts from './host-verbs';
import { fast } from './options';

/** The verbs around a container's runs: docker wait, and the worker's restore of monitors at start-up. */

/** Waiting has no end but the container's: heartbeats tell a live wait from a dead worker's. */
const waitOptions: ActivityOptions = {
  startToCloseTimeout: '3650d',
  heartbeatTimeout: '10s',
  retry: fast.retry,
  summary: 'wait',
};

/**
 * docker wait: the container's exit code once its condition holds (default not-running: at once when it does
 * not run; next-exit; removed). The condition is the activity's: the workflow's commands are the same for all.
 */
export function containerWait(input: WaitInput): Promise<WaitResult> {
  checkInput('containerWait', input);
  return surfaced(() => onHosts.wait(input, waitOptions));
}

/** Docker's restore at boot, for restart policies: a monitor for each container that should have one. */
export async function containerRestore(input?: HostScopedInput): Promise<{ monitored: string[] }> {
  if (input !== undefined) checkInput('containerRestore', input);
  return { monitored: await onHosts.restore(input ?? {}) };
}
