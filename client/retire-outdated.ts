import type { WorkflowClient } from '@temporalio/client';
import { begunUnderOtherBaseline, WORKFLOW_BASELINE } from '../common/baseline';

/**
 * Terminates the running workflow `workflowId` when it began under another workflow baseline: its history
 * cannot replay on this release, so every task of it would fail. Its caller starts the replacement (a
 * monitor for the same run, the reads workflow on the next read). True when it was retired.
 */
export async function retireIfOutdated(client: WorkflowClient, workflowId: string): Promise<boolean> {
  let described: Awaited<ReturnType<ReturnType<WorkflowClient['getHandle']>['describe']>>;
  try {
    described = await client.getHandle(workflowId).describe();
  } catch (err) {
    // Required, not imported: the CLI loads the Temporal client only once a session exists (client/errors.ts).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { WorkflowNotFoundError } = require('@temporalio/client') as typeof import('@temporalio/client');
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
  if (described.status.name !== 'RUNNING' || !begunUnderOtherBaseline(described.memo)) return false;
  const reason = `begun before workflow baseline ${WORKFLOW_BASELINE}: its history cannot replay on this release; replaced by one begun under it`;
  await client.getHandle(workflowId, described.runId).terminate(reason);
  return true;
}
