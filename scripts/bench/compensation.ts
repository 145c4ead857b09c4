import { WorkflowFailedError, type Client } from '@temporalio/client';
import { startWorkflowId, WorkflowTypes } from '../../common/names';
import type { HostRuntime } from '../../runtime/host-runtime';
import { FAULT_LABEL } from '../../runtime/faults';
import type { containerStart } from '../../workflows/container-start';
import { compensationTimes, readHistory } from './history';
import { percentiles, type Percentiles } from './stats';

/**
 * Compensation latency: a container whose last step fails after its side effect (`process=fail-after`: runc
 * has started the process, then the step reports a non-retryable failure), so the saga undoes a fully started
 * container. Timed from the workflow's history (server timestamps): from the process step's ActivityTaskFailed
 * until the last release activity completed, and until the run failed (its failure path also writes the
 * record and the `die` event, and releases the claim). The client-observed time of the whole failed start is
 * reported beside it. The worker that serves `taskQueue` must have fault injection on, and `runtime` must
 * accept the fault label (faultsEnabled).
 */
export const FAULT_PLAN = 'process=fail-after';

export interface CompensationResult {
  how: string;
  /** process step failed → last release completed */
  releasesDone: Percentiles;
  /** process step failed → WorkflowExecutionFailed */
  closed: Percentiles;
  /** the failed start as its client saw it, from the start call to the error */
  clientObserved: Percentiles;
  /** history length of each compensated start */
  events: number[];
  /** the releases that ran, in order (of the last start) */
  releases: string[];
}

export interface CompensationOptions {
  client: Client;
  taskQueue: string;
  runtime: HostRuntime;
  image: string;
  cmd: string[];
  n: number;
  stopping: () => boolean;
}

export async function measureCompensation(o: CompensationOptions): Promise<CompensationResult> {
  const done: number[] = [];
  const closed: number[] = [];
  const client: number[] = [];
  const events: number[] = [];
  let releases: string[] = [];
  for (let i = 0; i < o.n; i++) {
    if (o.stopping()) throw new Error('interrupted');
    const rec = await o.runtime.create({ image: o.image, cmd: o.cmd, labels: { [FAULT_LABEL]: FAULT_PLAN } });
    try {
      const workflowId = startWorkflowId(rec.Id);
      const t0 = performance.now();
      const outcome = await o.client.workflow.execute<typeof containerStart>(WorkflowTypes.start, { taskQueue: o.taskQueue, workflowId, args: [{ container: rec.Id }] }).then(
        () => new Error('the start succeeded: the fault did not fire (is fault injection on for this worker?)'),
        (err: unknown) => (err instanceof WorkflowFailedError ? undefined : err),
      );
      client.push(performance.now() - t0);
      if (outcome) throw outcome;
      const history = await readHistory(o.client, workflowId);
      const t = compensationTimes(history);
      if (!t) throw new Error(`start ${workflowId} did not fail at its process step and compensate`);
      done.push(t.releasesDone);
      closed.push(t.closed);
      events.push(history.length);
      releases = t.releases;
    } finally {
      await o.runtime.remove(rec.Id, true);
    }
  }
  return {
    how: 'history timestamps: the process step\'s ActivityTaskFailed → the last release\'s ActivityTaskCompleted (and → WorkflowExecutionFailed); client-observed: start call → error',
    releasesDone: percentiles(done)!,
    closed: percentiles(closed)!,
    clientObserved: percentiles(client)!,
    events,
    releases,
  };
}
