import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { monitorWorkflowId, type MonitorResult } from '../../common/monitor-api';
import type { RestartPolicy } from '../../common/types';
import { hostTaskQueue } from '../../common/hosts-api';
import { timeSkippingSuite } from './time-skipping';
import { STUB_HOST, stubActivities, type MonitorPlan, type StubPlan } from './stub-activities';

// The container monitor (workflows/monitor.ts) with stub activities on the time-skipping test server: each
// of Docker's restart policies, the backoff as durable timers (read back from the history), a restart that
// fails, a manual stop, removal, and continue-as-new.

const suite = timeSkippingSuite();

const policy = (Name: RestartPolicy['Name'], MaximumRetryCount = 0): RestartPolicy => ({ Name, MaximumRetryCount });

/** Starts the container once (as `start` would), then lets its monitor run until it ends. */
async function monitor(mon: MonitorPlan, plan: Omit<StubPlan, 'monitor'> = {}) {
  const stub = stubActivities({ ...plan, monitor: mon });
  const taskQueue = `monitor-${randomUUID()}`;
  const worker = await Worker.create({
    connection: suite.env.nativeConnection,
    taskQueue,
    workflowBundle: suite.bundle,
    activities: stub.acts,
  });
  // the host's queue: where the saga sends its host steps and compensations (common/hosts-api.ts)
  const hostWorker = await Worker.create({
    connection: suite.env.nativeConnection,
    taskQueue: hostTaskQueue(taskQueue, STUB_HOST),
    activities: stub.acts,
  });
  const outcome = await hostWorker.runUntil(() =>
    worker.runUntil(async () => {
      await suite.env.client.workflow.execute('containerStart', {
        taskQueue,
        workflowId: `start-${randomUUID()}`,
        args: [{ container: 'web' }],
      });
      const handle = suite.env.client.workflow.getHandle(monitorWorkflowId(stub.snapshot.id));
      const result = (await handle.result()) as MonitorResult;
      // every run of the chain (continue-as-new), last to first: each names the run it continues
      const timers: number[] = [];
      let runs = 0;
      for (let runId: string | undefined = (await handle.describe()).runId; runId; runs++) {
        const history = await suite.env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
        const here: number[] = [];
        for (const e of history.events ?? []) {
          const t = e.timerStartedEventAttributes?.startToFireTimeout;
          if (t) here.push(Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6));
        }
        timers.unshift(...here);
        runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
      }
      return { result, timers, histories: runs };
    }),
  );
  return { ...stub, ...outcome };
}

describe("container monitor: Docker's restart policies", () => {
  it('no policy: the run ends, nothing restarts', async () => {
    const { result, timers, runs } = await monitor({ policy: policy('no'), exits: [1] });
    expect(result).toMatchObject({ ended: 'policy', restartCount: 0, lastExitCode: 1 });
    expect([timers, runs.length]).toEqual([[], 1]);
  });

  it('on-failure:2 restarts a failing run twice, with 100 then 200 ms of backoff, then leaves it exited', async () => {
    const { result, timers, runs, restartMarks, calls } = await monitor({
      policy: policy('on-failure', 2),
      exits: [1, 1, 1],
    });
    expect(result).toMatchObject({ ended: 'policy', restartCount: 2, lastExitCode: 1 });
    expect(timers).toEqual([100, 200]);
    expect(runs).toHaveLength(3);
    expect(restartMarks).toEqual([1, 2]);
    // every exit was recorded and cleaned up (Docker's Cleanup) before any restart
    expect(calls.filter((c) => c === 'handleRunExit')).toHaveLength(3);
  });

  it('on-failure does not restart a run that exited 0', async () => {
    const { result, runs } = await monitor({ policy: policy('on-failure'), exits: [0] });
    expect([result.ended, result.restartCount, runs.length]).toEqual(['policy', 0, 1]);
  });

  it('always restarts whatever the exit code, until the user stops it', async () => {
    const { result, runs, timers } = await monitor({ policy: policy('always'), exits: [0, 3, 0, 137], stoppedAt: 3 });
    expect(result).toMatchObject({ ended: 'manually-stopped', restartCount: 3, lastExitCode: 137 });
    expect(runs).toHaveLength(4);
    expect(timers).toEqual([100, 200, 400]);
  });

  it('unless-stopped stays down once the user stopped it', async () => {
    const { result, runs } = await monitor({ policy: policy('unless-stopped'), exits: [0], stoppedAt: 0 });
    expect([result.ended, runs.length]).toEqual(['manually-stopped', 1]);
  });

  it('a stop during the backoff calls the restart off', async () => {
    const { result, runs, calls } = await monitor({ policy: policy('always'), exits: [1], stoppedInBackoffAfter: 0 });
    expect([result.ended, result.restartCount, runs.length]).toEqual(['manually-stopped', 1, 1]);
    expect(calls).toContain('clearRestarting');
  });

  it('a run of 10 s or more resets the backoff; it doubles up to a minute', async () => {
    const exits = Array.from({ length: 13 }, () => 1);
    const ranMs = exits.map((_, i) => (i === 3 ? 10_000 : 50));
    const { timers, result } = await monitor({ policy: policy('on-failure', 12), exits, ranMs });
    expect(result.restartCount).toBe(12);
    expect(timers).toEqual([100, 200, 400, 100, 200, 400, 800, 1600, 3200, 6400, 12_800, 25_600]);
    const capped = await monitor({ policy: policy('on-failure', 11), exits: Array.from({ length: 12 }, () => 1) });
    expect(capped.timers.at(-1)).toBe(60_000);
    expect(capped.timers.at(-2)).toBe(51_200);
  });

  it('a restart whose start fails compensates and counts toward the policy (as exit 127)', async () => {
    const { result, runs, timers, calls } = await monitor({
      policy: policy('on-failure', 2),
      exits: [1, 5],
      failStartOf: [1],
    });
    expect(result).toMatchObject({ ended: 'policy', restartCount: 2, lastExitCode: 5 });
    expect(runs).toHaveLength(2);
    expect(timers).toEqual([100, 200]);
    // the failed restart compensated like any start
    expect(calls).toContain('unregisterProcess');
  });

  it('a removed container ends its monitor', async () => {
    const { result } = await monitor({ policy: policy('always'), exits: [0, 0], removedAfter: 0 });
    expect(result.ended).toBe('removed');
  });

  it('a container that restarts on and on continues as new: the history stays bounded', async () => {
    const exits = Array.from({ length: 56 }, () => 1);
    const { result, histories } = await monitor({
      policy: policy('on-failure', 55),
      exits,
      ranMs: exits.map(() => 20_000),
    });
    expect(result.restartCount).toBe(55);
    expect(histories).toBe(2);
  }, 120_000);
});
