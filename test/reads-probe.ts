import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { readsWorkflowId } from '../common/names';
import { SERVED_QUERY, type ReadName, type ReadsServed } from '../common/reads-api';

/**
 * Reads of one kind that a task queue's reads workflow has served, over all its runs (its `served` query);
 * 0 before the first read started it.
 */
export async function readsServed(client: Client, taskQueue: string, kind: ReadName): Promise<number> {
  try {
    const served = await client.workflow.getHandle(readsWorkflowId(taskQueue)).query<ReadsServed>(SERVED_QUERY);
    return served[kind] ?? 0;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 0;
    throw err;
  }
}
