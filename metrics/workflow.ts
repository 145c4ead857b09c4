import { metricMeter, workflowInfo } from '@temporalio/workflow';
import { MetricNames, StartOutcome } from './names';

/**
 * The workflow side of the metrics (workflow-safe: runs in the sandbox). Recorded through the workflow's
 * `metricMeter`, which the SDK forwards to the worker's meter outside the sandbox and skips while replaying:
 * a start is counted once, by the worker that ran its end, and a history replayed on another worker (or in
 * the replay test) counts nothing again. Metrics add no command to the history, so no `patched()` is needed.
 */

/** A start saga ended: its outcome and latency, and on failure the step and Docker's error type. */
export function recordStartEnd(outcome: StartOutcome, failure?: { step: string; errorType: string }): void {
  const tags = { outcome };
  metricMeter.createCounter(MetricNames.starts, undefined, 'start sagas that ended, by outcome').add(1, tags);
  // Date.now() in a workflow is the time of the task that got here: the end of the saga's last step.
  const ms = Math.max(0, Date.now() - workflowInfo().runStartTime.getTime());
  metricMeter
    .createHistogram(MetricNames.startLatency, 'float', 'ms', "time from a start saga's start to its end")
    .record(ms, tags);
  if (failure && outcome !== StartOutcome.cancelled) {
    metricMeter
      .createCounter(MetricNames.startFailures, undefined, 'failed starts by the step that failed and the error type')
      .add(1, { step: failure.step, error_type: failure.errorType });
  }
}

/** One compensation the saga ran, with its final result (a failed one is a leftover). */
export function recordCompensation(release: string, ok: boolean): void {
  metricMeter
    .createCounter(
      MetricNames.compensations,
      undefined,
      'compensations run by start sagas, by release and final result',
    )
    .add(1, { step: release, result: ok ? 'ok' : 'failed' });
}

/** The container monitor restarts the container under `policy` (Docker's RestartPolicy.Name): its start saga begins. */
export function recordRestart(policy: string): void {
  metricMeter
    .createCounter(MetricNames.restarts, undefined, 'restarts begun by the container monitor, by restart policy')
    .add(1, { policy });
}
