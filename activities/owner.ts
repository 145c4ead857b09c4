import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { StartOwner } from '../common/types';

/** The workflow run this activity works for: the owner recorded by a start claim. */
export function currentOwner(): StartOwner {
  const exec = Context.current().info.workflowExecution;
  if (!exec) throw new Error('this activity must run inside a workflow');
  return { workflowId: exec.workflowId, runId: exec.runId };
}

/** A recorded claim is live while its workflow run is still running (asked of Temporal, not guessed). */
export async function isOwnerAlive(o: StartOwner): Promise<boolean> {
  try {
    const d = await Context.current().client.workflow.getHandle(o.workflowId, o.runId).describe();
    return d.status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
