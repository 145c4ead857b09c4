import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createContainer, inspect, remove, startContainer } from '../../client/api';
import { connect, type Session } from '../../client/connection';
import { monitorWorkflowId, type MonitorResult } from '../../common/monitor-api';
import { startWorkflowId } from '../../common/names';
import { FAULT_LABEL } from '../../runtime/faults';
import type { SimulatedRuntime } from '../../runtime/simulated-runtime';
import { simulatedRuntime } from '../runtimes';
import { spawnWorker, waitForFile, writeBundle, type WorkerProcess } from './worker-process';

// The worker's graceful stop, with real worker processes (`worker/main.ts`, simulated driver only): SIGTERM while a
// start's process step is in flight. Within CONTAINER_SAGA_SHUTDOWN_GRACE the step finishes, its result is recorded,
// and the worker exits 0; past the grace the worker still exits 0, at the deadline: a regular activity is cancelled, a
// local step (the start's host steps on the owner's worker, which the SDK does not cancel) is left to the next worker
// as a crash would leave it; the next worker finishes the start. The step is held by the fault hook `process=hold:FILE`
// (before its side effect) and released by creating FILE.

let dir: string;
let bundle: string;
let session: Session;
let rt: SimulatedRuntime;
let env: NodeJS.ProcessEnv;
const workers: WorkerProcess[] = [];
const timings: string[] = [];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-graceful-'));
  bundle = await writeBundle(dir);
  const root = path.join(dir, 'root');
  env = {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    CONTAINER_SAGA_TASK_QUEUE: `graceful-${path.basename(dir)}`,
    CONTAINER_SAGA_ROOT: root,
    CONTAINER_SAGA_DRIVER: 'simulated',
    CONTAINER_SAGA_WORKFLOW_BUNDLE: bundle,
  };
  rt = simulatedRuntime(root);
  session = await connect({ ...process.env, ...env });
}, 120_000);

afterAll(async () => {
  for (const w of workers) await w.kill();
  for (const c of await rt.list()) await rt.remove(c.Id, true).catch(() => undefined);
  await session?.connection.close();
  if (timings.length) console.log(`graceful shutdown timings:\n${timings.join('\n')}`);
  await fs.rm(dir, { recursive: true, force: true });
}, 60_000);

async function worker(extra: NodeJS.ProcessEnv = {}): Promise<WorkerProcess> {
  const w = await spawnWorker({ ...env, ...extra });
  workers.push(w);
  return w;
}

/** Stops the workers of earlier tests; they stay listed (afterAll kills what is left) until they have exited. */
async function stopAll(): Promise<void> {
  for (const w of [...workers]) await stop(w);
  workers.length = 0;
}

/** Sends `signal` and resolves with the exit code and the ms from the signal to the exit. */
function stop(
  w: WorkerProcess,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<{ code: number | null; signal: string | null; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    if (w.child.exitCode !== null || w.child.signalCode !== null)
      return resolve({ code: w.child.exitCode, signal: w.child.signalCode, ms: 0 });
    w.child.once('exit', (code, sig) => resolve({ code, signal: sig, ms: Date.now() - t0 }));
    w.child.kill(signal);
  });
}

/**
 * The start's history: whether the process step (activity startProcess, or the local activity of
 * that type, whose marker is written with its workflow task) completed, failed, or neither yet.
 */
async function processStepEvents(id: string): Promise<string[]> {
  const history = await session.client.workflow.getHandle(startWorkflowId(id)).fetchHistory();
  const scheduled = new Map<string, string>();
  const out: string[] = [];
  for (const e of history.events ?? []) {
    const marker = e.markerRecordedEventAttributes;
    const data = marker?.markerName === 'core_local_activity' ? marker.details?.data?.payloads?.[0]?.data : undefined;
    if (
      data &&
      (JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string }).activity_type === 'startProcess'
    ) {
      out.push(marker!.failure ? 'failed' : 'completed');
    }
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), s.activityType?.name ?? '');
    const done = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes;
    if (done && scheduled.get(String(done.scheduledEventId)) === 'startProcess') {
      out.push(e.activityTaskCompletedEventAttributes ? 'completed' : 'failed');
    }
  }
  return out;
}

async function heldProcesses(id: string): Promise<number> {
  return (await rt.heldResources()).filter((h) => h.containerId === id && h.kind === 'process').length;
}

describe('graceful worker shutdown (simulated driver, real worker processes)', () => {
  it('SIGTERM while a step runs: the step finishes within the grace, the worker exits 0; the next worker completes the start', async () => {
    const w1 = await worker({ CONTAINER_SAGA_SHUTDOWN_GRACE: '20s' });
    const hold = path.join(dir, 'root', 'finish.release');
    const { Id } = await createContainer(session, {
      image: 'busybox',
      cmd: ['sleep', '1000'],
      labels: { [FAULT_LABEL]: `process=hold:${hold}` },
    });
    const started = startContainer(session, Id);
    await waitForFile(`${hold}.held`);

    const stopped = stop(w1);
    // The step is still held a while after the signal: the worker must wait for it, not cancel it.
    await new Promise((r) => setTimeout(r, 1500));
    expect(w1.child.exitCode, w1.output()).toBeNull();
    await fs.writeFile(hold, '');
    const { code, ms } = await stopped;
    timings.push(`  step finishing 1.5 s after SIGTERM, grace 20 s: exit ${code} after ${ms} ms`);
    expect(code, w1.output()).toBe(0);
    expect(ms).toBeGreaterThanOrEqual(1500);
    expect(ms).toBeLessThan(20_000);
    expect(w1.output()).toMatch(
      /^container-saga worker: SIGTERM: stopping: no new tasks; 1 step and 0 workflow tasks in flight get up to 20 s to finish \(SIGTERM again exits at once\)$/m,
    );
    expect(w1.output()).toMatch(/^container-saga worker: stopped \d+(\.\d)? s after SIGTERM$/m);
    expect(w1.output()).not.toMatch(/grace of .* is over/);
    // The step's result reached the server before the worker left: recorded once, not failed, not retried.
    expect(await processStepEvents(Id)).toEqual(['completed']);

    // What follows the step (mark running) is the next worker's.
    await worker({ CONTAINER_SAGA_SHUTDOWN_GRACE: '20s' });
    const result = await started;
    expect(result.status).toBe('running');
    expect((await inspect(session, Id)).State).toMatchObject({ Status: 'running', Running: true });
    expect(await heldProcesses(Id)).toBe(1); // started once
    await remove(session, Id, true);
  }, 120_000);

  it('a step still running at the deadline is cancelled, the worker exits 0 at the deadline; the next worker finishes the start', async () => {
    await stopAll();
    const w1 = await worker({ CONTAINER_SAGA_SHUTDOWN_GRACE: '2s' });
    const hold = path.join(dir, 'root', 'deadline.release');
    const { Id } = await createContainer(session, {
      image: 'busybox',
      cmd: ['sleep', '1000'],
      labels: { [FAULT_LABEL]: `process=hold:${hold}` },
    });
    const started = startContainer(session, Id);
    await waitForFile(`${hold}.held`);

    const { code, ms } = await stop(w1);
    timings.push(`  step held past the deadline, grace 2 s: exit ${code} after ${ms} ms`);
    expect(code, w1.output()).toBe(0);
    expect(ms).toBeGreaterThanOrEqual(2000);
    expect(ms).toBeLessThan(2000 + 5000); // the grace plus the time the SDK allows for cancelling (shutdownForceTime)
    // the step is a local activity of the start's workflow task: the SDK would wait for it, the worker leaves it
    expect(w1.output()).toMatch(
      /^container-saga worker: grace of 2 s is over: exiting with 1 step and 0 workflow tasks still running; 1 local step goes to the next worker when its workflow task times out/m,
    );
    expect(w1.output()).toMatch(/^container-saga worker: stopped \d+(\.\d)? s after SIGTERM$/m);
    // Left unfinished by this worker: nothing recorded of it; the next worker runs it again rather than record its end.
    expect(await processStepEvents(Id)).toEqual([]);

    await fs.writeFile(hold, '');
    await worker();
    const result = await started;
    expect(result.status).toBe('running');
    expect(await processStepEvents(Id)).toEqual(['completed']);
    expect(await heldProcesses(Id)).toBe(1);
    await remove(session, Id, true);
  }, 120_000);

  it('an idle worker stops at once; a second signal exits at once even with a step held', async () => {
    await stopAll();
    // with its start-up reconcile (gc and restore workflows, served by itself) still running, as in production
    const idle = await worker({ CONTAINER_SAGA_RECONCILE: '1' });
    const r1 = await stop(idle);
    timings.push(`  idle worker: exit ${r1.code} after ${r1.ms} ms`);
    expect(r1.code, idle.output()).toBe(0);
    expect(r1.ms).toBeLessThan(5000);
    expect(idle.output()).toMatch(/^container-saga worker: stopped \d+(\.\d)? s after SIGTERM$/m);

    const w = await worker({ CONTAINER_SAGA_SHUTDOWN_GRACE: '60s' });
    const hold = path.join(dir, 'root', 'twice.release');
    const { Id } = await createContainer(session, {
      image: 'busybox',
      cmd: ['sleep', '1000'],
      labels: { [FAULT_LABEL]: `process=hold:${hold}` },
    });
    const started = startContainer(session, Id);
    await waitForFile(`${hold}.held`);
    const exited = stop(w);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    w.child.kill('SIGTERM');
    const r2 = await exited;
    timings.push(`  second SIGTERM: exit ${r2.code} ${Date.now() - t0} ms after it`);
    expect(r2.code).toBe(128 + os.constants.signals.SIGTERM);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(w.output()).toMatch(/^container-saga worker: SIGTERM again: exiting now/m);

    // The abandoned attempt times out (heartbeat 5 s) and the next worker runs it again.
    await fs.writeFile(hold, '');
    await worker();
    expect((await started).status).toBe('running');
    expect(await heldProcesses(Id)).toBe(1);
    await remove(session, Id, true);
  }, 120_000);

  it("waits that only watch (a running container's monitor) do not hold the stop: they go on on the next worker", async () => {
    await stopAll();
    const w1 = await worker({ CONTAINER_SAGA_SHUTDOWN_GRACE: '20s' });
    const { Id } = await createContainer(session, { image: 'busybox', cmd: ['sleep', '1000'] });
    expect((await startContainer(session, Id)).status).toBe('running');
    const monitor = session.client.workflow.getHandle(monitorWorkflowId(Id));
    // the monitor's wait for exit is in flight on w1
    for (
      let i = 0;
      i < 100 &&
      !(await monitor.describe()).raw.pendingActivities?.some((a) => a.activityType?.name === 'waitForRunEnd');
      i++
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const { code, ms } = await stop(w1);
    timings.push(`  a running container's monitor waiting, grace 20 s: exit ${code} after ${ms} ms`);
    expect(code, w1.output()).toBe(0);
    expect(ms).toBeLessThan(5000);

    // The next worker's monitor still sees the run end: a kill here ends the monitor with the exit code.
    await worker();
    await rt.kill(Id, 'KILL');
    const ended = (await monitor.result()) as MonitorResult;
    expect(ended).toMatchObject({ ended: 'manually-stopped', lastExitCode: 137 });
    await remove(session, Id, true);
  }, 120_000);
});
