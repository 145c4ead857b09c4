import { WorkflowTypes } from '../common/names';
import { HOST_STEPS } from '../common/steps';
import type { Activities } from '../activities';
import type { StepKind } from './names';

/**
 * Which step of the start saga an activity type is, as the saga's record names it: host steps and their
 * releases from the table (common/steps.ts), the record steps by hand. Only activities scheduled by the start
 * saga count (the monitor and other verbs share some of these types).
 */
const RECORD_STEPS: Partial<Record<keyof Activities, string>> = {
  // the lookup is locateHere (it brings the record when the container is here); a container
  // of another host is then read there (lookupContainer), and the lookup counts both
  locateHere: 'lookup',
  // the owner's first look checks and claims too (claimHere): counted as the step it begins with
  claimHere: 'lookup',
  liveHosts: 'lookup',
  lookupContainer: 'lookup',
  hostInfo: 'host-config',
  setHostConfig: 'host-config',
  verifySettings: 'verify-settings',
  claimStart: 'claim',
  releaseStart: 'release-claim',
  linkedContainers: 'links',
  markRunning: 'mark-running',
  markFailed: 'mark-failed',
  finishFailed: 'finish-failed',
  autoRemove: 'auto-remove',
};

const BY_ACTIVITY = new Map<string, { step: string; kind: StepKind }>([
  ...HOST_STEPS.map((s) => [s.activity, { step: s.name, kind: 'acquire' as const }] as const),
  ...HOST_STEPS.flatMap((s) => ('releaseActivity' in s ? [[s.releaseActivity, { step: s.release, kind: 'release' as const }] as const] : [])),
  ...Object.entries(RECORD_STEPS).map(([activity, step]) => [activity, { step: step!, kind: 'record' as const }] as const),
]);

/** The start saga's step an activity is, or undefined when it is not one (or another workflow scheduled it). */
export function sagaStepOf(workflowType: string | undefined, activityType: string): { step: string; kind: StepKind } | undefined {
  return workflowType === WorkflowTypes.start ? BY_ACTIVITY.get(activityType) : undefined;
}
