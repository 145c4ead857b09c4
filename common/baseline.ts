/**
 * The workflow baseline (docs/design.md, "Versioning"): the release from whose first history on this code
 * replays every workflow. A long-lived workflow (a container's monitor, a task queue's reads) carries in its
 * memo the baseline it began under; one begun under another (or before baselines, with no memo) cannot replay
 * here, so a worker's start-up replaces it (client/retire-outdated.ts).
 */
export const WORKFLOW_BASELINE = '0.2.0';

const MEMO_KEY = 'workflowBaseline';

/** The memo a long-lived workflow is started with. */
export function baselineMemo(): Record<string, string> {
  return { [MEMO_KEY]: WORKFLOW_BASELINE };
}

/** Whether a workflow's memo says it began under another baseline (or before there were any). */
export function begunUnderOtherBaseline(memo: Record<string, unknown> | undefined): boolean {
  return memo?.[MEMO_KEY] !== WORKFLOW_BASELINE;
}
