import { readsWorkflowId, WorkflowTypes } from '../common/names';
import type { ReadName, Reads } from '../common/reads-api';
// Types only: the workflow's code runs in the worker's sandbox; it is started by registered name.
import type { containerReads } from '../workflows/reads';
import type { Session } from './connection';
import { toCliError } from './errors';
import { ensureWorker } from './worker-check';

/**
 * One read through the task queue's reads workflow: an Update-with-Start (conflict policy USE_EXISTING), so
 * the first read starts the workflow and every later one is an Update of the running run; no read starts a
 * workflow run of its own. Resolves with the read activity's result; rejects with a CliError carrying
 * Docker's type and message, exactly as the read's own workflow failed before.
 */
export async function read<K extends ReadName>(s: Session, name: K, input: Reads[K]['input']): Promise<Reads[K]['result']> {
  // Required, not imported: see toCliError (the Temporal client is loaded once a session exists).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { WithStartWorkflowOperation } = require('@temporalio/client') as typeof import('@temporalio/client');
  try {
    await ensureWorker(s);
    const startWorkflowOperation = new WithStartWorkflowOperation<typeof containerReads>(WorkflowTypes.reads, {
      taskQueue: s.taskQueue,
      workflowId: readsWorkflowId(s.taskQueue),
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [{}],
      staticSummary: `reads of ${s.taskQueue}: inspect, ps, logs, events, image ls, exec output`,
      staticDetails:
        'Every read-only verb is an Update of this workflow (its history keeps them); it continues as new as its history grows. ' +
        'State changes (create, start, stop, rm…) are workflows of their own.',
    });
    return await s.client.workflow.executeUpdateWithStart<typeof containerReads, Reads[K]['result'], [Reads[K]['input']]>(name, {
      args: [input],
      startWorkflowOperation,
    });
  } catch (err) {
    throw toCliError(err, s.address);
  }
}
