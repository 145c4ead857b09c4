import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createContainer, inspect, startContainer } from '../../client/api';
import { codecDataConverter } from '../../codec/load';
import { WORKFLOW_BASELINE } from '../../common/baseline';
import { sharedQueueOf } from '../../common/hosts-api';
import { monitorWorkflowId, RUN_STARTED_SIGNAL } from '../../common/monitor-api';
import { readsWorkflowId, WorkflowTypes } from '../../common/names';
import type { SimulatedRuntime } from '../../runtime/simulated-runtime';
import { reconcileAtStartup } from '../../worker/reconcile';
import { workflowSources } from '../../worker/create';
import { startTestWorker, until, type TestWorker } from '../harness';
import { simulatedRuntime } from '../runtimes';

// An upgrade across the workflow baseline (docs/design.md, "Versioning"): long-lived workflows begun before it
// cannot replay on this release, so a worker's start-up reconcile replaces them. Simulated driver.

const FIXTURES = path.resolve(__dirname, '../fixtures/pre-baseline');

async function replay(file: string): Promise<unknown> {
  const history = historyFromJSON(JSON.parse(await fs.readFile(path.join(FIXTURES, file), 'utf8')));
  for await (const r of Worker.runReplayHistories({ ...workflowSources(), dataConverter: codecDataConverter() }, [
    { workflowId: file, history },
  ]))
    return r.error;
  throw new Error(`${file}: no replay result`);
}

describe('histories recorded before the baseline (release 0.1.0)', () => {
  it("the monitor's and the reads workflow's do not replay: their runs must be replaced", async () => {
    for (const file of ['monitor-on-failure.json', 'reads-continued-as-new.json'])
      expect(String(await replay(file)), file).toMatch(/nondeterminism/i);
  });

  it("the hosts registry's does (its code did not change), so its hosts and their availability are kept", async () => {
    expect(await replay('hosts-registry.json')).toBeUndefined();
  });
});

describe("a worker's start-up after an upgrade across the baseline", () => {
  let dir: string;
  let sim: SimulatedRuntime;
  let w: TestWorker;
  let connection: NativeConnection;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-baseline-'));
    sim = simulatedRuntime(path.join(dir, 'root'));
    w = await startTestWorker(inject('temporalAddress'), sim);
    connection = await NativeConnection.connect({ address: w.address });
  });

  afterAll(async () => {
    await connection?.close();
    await w?.shutdown();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("replaces a running container's monitor begun before the baseline, and the queue's reads workflow; the container runs on", async () => {
    const { Id } = await createContainer(w.session, { name: 'upgraded', image: 'busybox', cmd: ['sleep', '1000'] });
    await startContainer(w.session, Id);
    const monitor = w.client.workflow.getHandle(monitorWorkflowId(Id));
    expect((await monitor.describe()).memo).toEqual({ workflowBaseline: WORKFLOW_BASELINE });
    await inspect(w.session, Id); // the reads workflow runs

    // What the previous release left: runs with no baseline in their memo (the monitor watching the same run).
    const rec = await inspect(w.session, Id);
    await monitor.terminate('stand-in for a monitor of release 0.1.0');
    const old = await w.client.workflow.signalWithStart(WorkflowTypes.monitor, {
      taskQueue: sharedQueueOf(w.taskQueue, sim.hostName),
      workflowId: monitorWorkflowId(Id),
      args: [{ containerId: Id, host: sim.hostName }],
      signal: RUN_STARTED_SIGNAL,
      signalArgs: [{ pid: rec.State.Pid, startedAt: rec.State.StartedAt }],
    });
    const reads = w.client.workflow.getHandle(readsWorkflowId(w.taskQueue));
    await reads.terminate('stand-in for a reads workflow of release 0.1.0');
    const oldReads = await w.client.workflow.start(WorkflowTypes.reads, {
      taskQueue: w.taskQueue,
      workflowId: readsWorkflowId(w.taskQueue),
      args: [{}],
    });

    const report = await reconcileAtStartup(connection, 'default', w.taskQueue, sim.hostName, codecDataConverter());
    expect(report.monitored).toEqual([Id]);

    for (const [what, workflowId, runId] of [
      ['monitor', old.workflowId, old.signaledRunId],
      ['reads', oldReads.workflowId, oldReads.firstExecutionRunId],
    ] as const) {
      const ended = await w.client.workflow.getHandle(workflowId, runId).describe();
      expect(ended.status.name, what).toBe('TERMINATED');
      const { events } = await w.client.workflow.getHandle(workflowId, runId).fetchHistory();
      expect(events?.at(-1)?.workflowExecutionTerminatedEventAttributes?.reason, what).toMatch(
        `begun before workflow baseline ${WORKFLOW_BASELINE}`,
      );
    }
    // a new monitor, under the baseline, watches the same run; the next read starts a new reads workflow
    const now = await monitor.describe();
    expect([now.status.name, now.runId !== old.signaledRunId, now.memo]).toEqual([
      'RUNNING',
      true,
      { workflowBaseline: WORKFLOW_BASELINE },
    ]);
    expect((await inspect(w.session, Id)).State).toMatchObject({ Running: true, Pid: rec.State.Pid });
    const newReads = await until('a new reads workflow', async () => {
      const d = await reads.describe();
      return d.status.name === 'RUNNING' && d.runId !== oldReads.firstExecutionRunId ? d : undefined;
    });
    expect(newReads.memo).toEqual({ workflowBaseline: WORKFLOW_BASELINE });

    // A client that meets such a run before any worker's start-up (the demo's own worker runs none): its read
    // cannot be taken (the run's tasks fail), so the client replaces the run and reads from a new one.
    await reads.terminate('the next stand-in');
    const stuck = await w.client.workflow.start('containerReadsOfAnotherRelease', {
      taskQueue: w.taskQueue,
      workflowId: readsWorkflowId(w.taskQueue),
      args: [{}],
    });
    expect((await inspect(w.session, Id)).Id).toBe(Id);
    const stuckRun = w.client.workflow.getHandle(stuck.workflowId, stuck.firstExecutionRunId);
    expect((await stuckRun.describe()).status.name).toBe('TERMINATED');

    // A second start-up finds nothing to replace.
    await reconcileAtStartup(connection, 'default', w.taskQueue, sim.hostName, codecDataConverter());
    expect((await monitor.describe()).runId).toBe(now.runId);
  });
});
