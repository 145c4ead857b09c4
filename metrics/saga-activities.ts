import { WorkflowTypes } from '../common/names';
import { START_ACTIVITIES } from '../common/step-activities';
import type { StepKind } from './names';

/**
 * Which step of the start saga an activity type is, as the saga's record names it (the step tables of
 * common/steps.ts). Only activities scheduled by the start saga count (the monitor and other verbs share some
 * of these types).
 */
export function sagaStepOf(
  workflowType: string | undefined,
  activityType: string,
): { step: string; kind: StepKind } | undefined {
  const entry = workflowType === WorkflowTypes.start ? START_ACTIVITIES.get(activityType) : undefined;
  return entry && { step: entry.step, kind: entry.kind };
}
