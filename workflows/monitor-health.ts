import { type ActivityOptions, CancellationScope, condition, log, uuid4, workflowInfo } from '@temporalio/workflow';
import { nextProbeDelay, type HealthSchedule } from '../common/health';
import type { ContainerRun, HealthCarried, RunEnd } from '../common/monitor-api';
import { onHost } from './host-routing';

/**
 * Docker's health monitor (moby daemon/health.go `monitor`) as durable timers of the container's monitor: while
 * the run's exit is awaited (the wait activity goes on meanwhile), sleep the interval (the start interval while
 * starting within the start period), probe once on the container's host, note the status, again. The state is
 * in the record (runtime/health-probe.ts); the schedule is the workflow's: a worker restart resets neither.
 */

/** Probes kept in one run of the monitor's history before it continues as new (about 11 events each). */
export const PROBES_PER_HISTORY = 200;

export type HealthWatch = { end: RunEnd } | { continueAsNew: HealthCarried };

const probeOptions = (s: HealthSchedule, label: string): ActivityOptions => ({
  // the exec's own timeout, plus room for the record's update
  startToCloseTimeout: s.timeoutMs + 60_000,
  heartbeatTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3 },
  summary: `healthcheck of ${label}`,
});

/** An exec ID (64 hex digits) from the workflow's deterministic randomness. */
const probeExecId = () => `${uuid4()}${uuid4()}`.replace(/-/g, '');

/**
 * Waits for the run's end (`wait`, started here in a scope of its own) while probing it on schedule. Returns
 * the end, or, when the history has grown long, the probe state to continue as new with (the wait cancelled).
 */
export async function watchWithHealth(
  host: string,
  label: string,
  id: string,
  run: ContainerRun & { healthcheck: HealthSchedule },
  wait: () => Promise<RunEnd>,
  carried: HealthCarried | undefined,
): Promise<HealthWatch> {
  const schedule = run.healthcheck;
  const probe = onHost(host, probeOptions(schedule, label), { waitForHost: true });
  const scope = new CancellationScope();
  let end: RunEnd | undefined;
  let failure: unknown;
  const waiting = scope.run(wait).then(
    (e) => void (end = e),
    (err: unknown) => void (failure = err),
  );
  const mine = carried?.runStartedAt === run.startedAt ? carried : undefined;
  let status = mine?.status ?? 'starting';
  let lastProbeAt = mine?.lastProbeAt ?? Date.now();
  const started = Date.parse(run.startedAt);
  const over = () => end !== undefined || failure !== undefined;
  const result = async (): Promise<HealthWatch> => {
    await condition(over);
    if (failure !== undefined) throw failure;
    return { end: end! };
  };
  for (let probes = 0; ; ) {
    const due = lastProbeAt + nextProbeDelay(schedule, status, Date.now() - started) - Date.now();
    if (await condition(over, Math.max(1, due))) return result();
    try {
      const outcome = await probe.runHealthProbe({ id, run, execId: probeExecId() });
      // the run has ended (its exit is the wait's to report): no more probes
      if ('ended' in outcome) return result();
      status = outcome.status;
    } catch (err) {
      // a probe that could not run at all (its host failing) is no result: the schedule goes on
      log.warn('healthcheck probe failed', { id, error: err instanceof Error ? err.message : String(err) });
    }
    lastProbeAt = Date.now();
    if (++probes >= (run.healthcheck.probesPerHistory ?? PROBES_PER_HISTORY) || workflowInfo().continueAsNewSuggested) {
      if (over()) return result();
      // the wait stops before the next run begins another (its cancellation is awaited: `wait` is proxied so)
      scope.cancel();
      await waiting;
      if (end !== undefined) return { end };
      return { continueAsNew: { runStartedAt: run.startedAt, status, lastProbeAt } };
    }
  }
}
