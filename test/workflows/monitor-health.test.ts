import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import type { HealthSchedule } from '../../common/health';
import { hostTaskQueue, sharedQueueOf } from '../../common/hosts-api';
import { monitorWorkflowId, RUN_STARTED_SIGNAL, type ContainerRun, type MonitorResult } from '../../common/monitor-api';
import { devServerSuite } from './time-skipping';
import { STUB_HOST, stubActivities } from './stub-activities';

// The monitor's healthchecks (workflows/monitor-health.ts) with stub activities on the run's dev server: the
// probes as durable timers beside the wait for the exit, the status through Docker's state machine, a worker
// restart in the middle, and continue-as-new carrying the schedule. The intervals are short and real.

const suite = devServerSuite();

const schedule: HealthSchedule = {
  intervalMs: 2_000,
  timeoutMs: 5_000,
  startPeriodMs: 0,
  startIntervalMs: 5_000,
  retries: 2,
};

/** Workers of the shared and host queues for one stub; `until` says when to stop them. */
async function workers<T>(
  sticky: boolean,
  taskQueue: string,
  acts: ReturnType<typeof stubActivities>['acts'],
  until: () => Promise<T>,
) {
  const worker = await Worker.create({
    connection: suite.env.nativeConnection,
    taskQueue,
    workflowBundle: suite.bundle,
    activities: acts,
    // no sticky queue when a worker is restarted: the test server does not hand a stopped worker's sticky
    // tasks to the next one
    ...(sticky ? {} : { maxCachedWorkflows: 0 }),
  });
  const hostWorker = await Worker.create({
    connection: suite.env.nativeConnection,
    taskQueue: hostTaskQueue(taskQueue, STUB_HOST),
    activities: acts,
    shutdownGraceTime: '100ms',
    // a cancellation reaches an activity only in a heartbeat's answer: without this the SDK sends the wait's
    // heartbeats 8 s apart (0.8 of its timeout), and a continue-as-new waits that long for the wait to stop
    maxHeartbeatThrottleInterval: '100ms',
  });
  return hostWorker.runUntil(() => worker.runUntil(until));
}

/** Every history of the monitor's chain, first to last. */
async function histories(workflowId: string) {
  const out = [];
  const handle = suite.env.client.workflow.getHandle(workflowId);
  for (let runId: string | undefined = (await handle.describe()).runId; runId; ) {
    const history = await suite.env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    out.unshift(history);
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return out;
}

const timersOf = (h: Awaited<ReturnType<typeof histories>>[number]) =>
  (h.events ?? []).flatMap((e) => {
    const t = e.timerStartedEventAttributes?.startToFireTimeout;
    return t ? [Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6)] : [];
  });

/**
 * Hands run 0 to the monitor as mark-running does (signal-with-start), without a start saga: its local
 * activities do not go with the uncached workers of the restart test.
 */
async function handOver(stub: ReturnType<typeof stubActivities>, taskQueue: string, healthcheck: HealthSchedule) {
  const run: ContainerRun = { pid: 4242, startedAt: '2026-01-01T00:00:00Z', healthcheck };
  stub.runs.push(run);
  await suite.env.client.workflow.signalWithStart('containerMonitor', {
    taskQueue: sharedQueueOf(taskQueue, STUB_HOST),
    workflowId: monitorWorkflowId(stub.snapshot.id),
    args: [{ containerId: stub.snapshot.id, host: STUB_HOST }],
    signal: RUN_STARTED_SIGNAL,
    signalArgs: [run],
  });
}

describe('container monitor: healthchecks', () => {
  it('healthy → unhealthy → healthy on durable timers, through a worker restart', async () => {
    const probeExits = [0, 1, 1, 0, 0];
    const stub = stubActivities({
      monitor: { policy: { Name: 'no', MaximumRetryCount: 0 }, exits: [0], health: { schedule, probeExits } },
    });
    const taskQueue = `monitor-health-${randomUUID()}`;
    const workflowId = monitorWorkflowId(stub.snapshot.id);
    // the first worker goes away after two probes (the second one failing)
    await workers(false, taskQueue, stub.acts, async () => {
      await handOver(stub, taskQueue, schedule);
      while (stub.health.probeIds.size < 2) await new Promise((r) => setTimeout(r, 20));
    });
    // stopped in the middle (a probe may have run while the worker shut down)
    const before = stub.health.probeIds.size;
    expect(before).toBeGreaterThanOrEqual(2);
    expect(before).toBeLessThan(probeExits.length);
    // a new worker goes on from the record's state and the workflow's timers
    const result = await workers(
      false,
      taskQueue,
      stub.acts,
      () => suite.env.client.workflow.getHandle(workflowId).result() as Promise<MonitorResult>,
    );
    expect(result).toMatchObject({ ended: 'policy', lastExitCode: 0 });
    expect(stub.health.changes).toEqual(['healthy', 'unhealthy', 'healthy']);
    expect(stub.health.state).toMatchObject({ Status: 'healthy', FailingStreak: 0 });
    expect(stub.health.state.Log.map((l) => l.ExitCode)).toEqual(probeExits);
    const [history] = await histories(workflowId);
    // one timer of the interval before each probe (a sixth one was cancelled by the exit)
    expect(timersOf(history!).slice(0, 5)).toEqual([2_000, 2_000, 2_000, 2_000, 2_000]);
    const markers = (history!.events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch');
    expect(markers).toHaveLength(1);
  }, 60_000);

  // the limit is the schedule's (200 by default: ~11 events a probe); 20 here keeps the test short under load
  const PROBES = 20;
  it(`continues as new after the schedule's ${PROBES} probes, carrying the status and schedule`, async () => {
    const probeExits = Array.from({ length: PROBES + 3 }, (_, i) => (i < PROBES ? 1 : 0));
    const stub = stubActivities({
      monitor: {
        policy: { Name: 'no', MaximumRetryCount: 0 },
        exits: [0],
        health: { schedule, probeExits },
      },
    });
    const taskQueue = `monitor-health-${randomUUID()}`;
    const workflowId = monitorWorkflowId(stub.snapshot.id);
    const result = await workers(true, taskQueue, stub.acts, async () => {
      await handOver(stub, taskQueue, { ...schedule, intervalMs: 1, probesPerHistory: PROBES });
      return suite.env.client.workflow.getHandle(workflowId).result() as Promise<MonitorResult>;
    });
    expect(result.ended).toBe('policy');
    expect(stub.health.changes).toEqual(['unhealthy', 'healthy']);
    const chain = await histories(workflowId);
    expect(chain).toHaveLength(2);
    // the second history starts with the carried schedule: no probe was lost or repeated
    expect(timersOf(chain[1]!).slice(0, 3)).toEqual([1, 1, 1]);
    expect(stub.health.probeIds.size).toBe(PROBES + 3);
  }, 180_000);
});
