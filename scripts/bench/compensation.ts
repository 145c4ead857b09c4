import { WorkflowFailedError, type Client } from '@temporalio/client';
import { startWorkflowId, WorkflowTypes } from '../../common/names';
import { HOST_STEPS, hostStep } from '../../common/steps';
import type { HostRuntime } from '../../runtime/host-runtime';
import { FAULT_LABEL } from '../../runtime/faults';
import type { containerStart } from '../../workflows/container-start';
import { compensationTimes, readHistory, releasesIn } from './history';
import type { StepClock, StepCall } from './step-clock';
import { percentiles, type Percentiles } from './stats';

/**
 * Compensation latency: a container whose last step fails after its side effect (`process=fail-after`: runc
 * has started the process, then the step reports a non-retryable failure), so the saga undoes a fully started
 * container. Timed by the worker's own clock, around the runtime's step and release calls (its hooks): from
 * the process step's failure until the last release returned. The failure path runs as local activities
 * on the owner's worker, in the workflow task where the step failed, whose events all bear its completion
 * time, so the history cannot time it; for a history with release activities (a start routed to the owner's
 * queue) the history's figure (ActivityTaskFailed → the last release's ActivityTaskCompleted)
 * is kept beside it. The run's end (the failure's record, `die`, the claim) and the client-observed time of
 * the whole failed start are reported too. The worker that serves `taskQueue` must serve `runtime`, a runtime
 * with fault injection (withFaults, which also lets it accept the fault label) inside `clock`'s hooks.
 */
export const FAULT_PLAN = 'process=fail-after';

const RELEASES = new Set<string>(HOST_STEPS.flatMap((s) => ('release' in s ? [s.release] : [])));

export interface CompensationResult {
  how: string;
  /** process step failed → last release returned (the worker's clock) */
  releasesDone: Percentiles;
  /** the same from the history, where the releases were activities (undefined when they were local) */
  releasesDoneHistory?: Percentiles;
  /** process step failed → the failed start's result reached the client */
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
  /** the fault-injection worker's runtime (worker/create.ts withFaults) */
  runtime: HostRuntime;
  /** the clock around that runtime's fault hooks */
  clock: StepClock;
  image: string;
  cmd: string[];
  n: number;
  stopping: () => boolean;
}

/**
 * ms from the process step's failure to its last release's end, and that failure's time; undefined when either is
 * missing
 */
function releasesDone(calls: readonly StepCall[]): { ms: number; failedAt: number } | undefined {
  const failed = calls.find((c) => c.point === hostStep('process').name && !c.ok);
  const released = calls.filter((c) => RELEASES.has(c.point));
  return failed === undefined || released.length === 0
    ? undefined
    : { ms: Math.max(...released.map((c) => c.to)) - failed.to, failedAt: failed.to };
}

export async function measureCompensation(o: CompensationOptions): Promise<CompensationResult> {
  const { clock } = o;
  const done: number[] = [];
  const doneHistory: number[] = [];
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
      const outcome = await o.client.workflow
        .execute<
          typeof containerStart
        >(WorkflowTypes.start, { taskQueue: o.taskQueue, workflowId, args: [{ container: rec.Id }] })
        .then(
          () => new Error('the start succeeded: the fault did not fire (is fault injection on for this worker?)'),
          (err: unknown) => (err instanceof WorkflowFailedError ? undefined : err),
        );
      const t1 = performance.now();
      client.push(t1 - t0);
      if (outcome) throw outcome;
      const released = releasesDone(clock.take(rec.Id));
      if (released === undefined)
        throw new Error(`start ${workflowId} did not fail at its process step and release (timed by the worker)`);
      done.push(released.ms);
      closed.push(performance.timeOrigin + t1 - released.failedAt);
      const history = await readHistory(o.client, workflowId);
      const t = compensationTimes(history);
      if (t?.releases.length) doneHistory.push(t.releasesDone);
      events.push(history.length);
      releases = releasesIn(history);
    } finally {
      await o.runtime.remove(rec.Id, true);
    }
  }
  return {
    how: "the worker's clock, around the runtime's calls: the process step's failure → the last release returned (and → the failed start's result at the client); client-observed: start call → error",
    releasesDone: percentiles(done)!,
    ...(doneHistory.length > 0 ? { releasesDoneHistory: percentiles(doneHistory)! } : {}),
    closed: percentiles(closed)!,
    clientObserved: percentiles(client)!,
    events,
    releases,
  };
}
