import { setTimeout as sleep } from 'node:timers/promises';
import { readsWorkflowId, WorkflowTypes } from '../common/names';
import { READS_CONTINUING, type ReadName, type Reads } from '../common/reads-api';
// Types only: the workflow's code runs in the worker's sandbox; it is started by registered name.
import type { containerReads } from '../workflows/reads';
import type { Session } from './connection';
import { toCliError } from './errors';
import { ensureWorker } from './worker-check';
import { baselineMemo } from '../common/baseline';
import { retireIfOutdated } from './retire-outdated';

/**
 * How long a read is sent again while the reads workflow continues as new: the run first finishes the reads
 * it has accepted (an activity each: milliseconds, seconds at worst), then continues.
 */
const CONTINUING_BUDGET_MS = 60_000;

/**
 * One read through the task queue's reads workflow: an Update-with-Start (conflict policy USE_EXISTING), so
 * the first read starts the workflow and every later one is an Update of the running run; no read starts a
 * workflow run of its own. Resolves with the read activity's result; rejects with a CliError carrying
 * Docker's type and message, exactly as the read's own workflow failed before.
 */
/** Retires the queue's reads workflow when it began under another workflow baseline (client/retire-outdated.ts). */
async function retireOutdatedReads(s: Session): Promise<boolean> {
  return retireIfOutdated(s.client.workflow, readsWorkflowId(s.taskQueue));
}

export async function read<K extends ReadName>(
  s: Session,
  name: K,
  input: Reads[K]['input'],
): Promise<Reads[K]['result']> {
  // Required, not imported: see toCliError (the Temporal client is loaded once a session exists).
  const { ApplicationFailure, WithStartWorkflowOperation, WorkflowUpdateFailedError } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@temporalio/client') as typeof import('@temporalio/client');
  const deadline = Date.now() + CONTINUING_BUDGET_MS;
  let replaced = false;
  try {
    await ensureWorker(s);
    for (let attempt = 0; ; attempt++) {
      // One operation per call: the SDK uses each once.
      const startWorkflowOperation = new WithStartWorkflowOperation<typeof containerReads>(WorkflowTypes.reads, {
        taskQueue: s.taskQueue,
        workflowId: readsWorkflowId(s.taskQueue),
        workflowIdConflictPolicy: 'USE_EXISTING',
        args: [{}],
        staticSummary: `reads of ${s.taskQueue}: inspect, ps, logs, events, image ls, exec output, volume ls`,
        memo: baselineMemo(),
        staticDetails:
          'Every read-only verb is an Update of this workflow (its history keeps them); it continues as new as its history grows. ' +
          'State changes (create, start, stop, rm…) are workflows of their own.',
      });
      try {
        return await s.client.workflow.executeUpdateWithStart<
          typeof containerReads,
          Reads[K]['result'],
          [Reads[K]['input']]
        >(name, {
          args: [input],
          startWorkflowOperation,
        });
      } catch (err) {
        // A run that is continuing as new refuses reads until it has: send it again, to the new run.
        const continuing =
          err instanceof WorkflowUpdateFailedError &&
          err.cause instanceof ApplicationFailure &&
          err.cause.type === READS_CONTINUING;
        if (continuing && Date.now() <= deadline) {
          await sleep(Math.min(10 * 2 ** attempt, 250));
          continue;
        }
        // A read the run could not take (not one it answered with a failure) may be a run begun under another
        // workflow baseline, whose tasks fail on this release: it is replaced once, and the read sent again.
        if (!replaced && !(err instanceof WorkflowUpdateFailedError) && (await retireOutdatedReads(s))) {
          replaced = true;
          continue;
        }
        throw err;
      }
    }
  } catch (err) {
    throw toCliError(err, s.address);
  }
}
