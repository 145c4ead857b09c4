import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities';
import { hostTaskQueue } from '../../common/hosts-api';
import type { HostRuntime } from '../../runtime/host-runtime';
import { simulatedRuntime } from '../runtimes';
import { withFaults } from '../../worker/create';
import { registerHost } from '../../worker/host-worker';
import { createContainer, inspect, remove } from '../../client/api';
import { REPO, startTestWorker, until, type TestWorker } from '../harness';
import { untilLive } from '../hosts-fixture';
import {
  CANCEL_MOMENTS,
  CANCELLING_VERBS,
  cancelAt,
  everyStep,
  signalledWhileHeld,
  type MatrixTarget,
} from './cancel-matrix';
import { waitForFile } from './worker-process';

// Cancellations on the simulated driver: cancelled at every moment by every cancelling verb, the start
// ends succeeded or cancelled with nothing held (cancel-matrix.ts).

let dir: string;
let sim: HostRuntime;
let w: TestWorker;
/** host `b`: an activity-only worker on its host queue, so a container there has its steps routed to it */
let simB: HostRuntime;
let connectionB: NativeConnection;
let workerB: { worker: Worker; running: Promise<void> } | undefined;
const heldIn = (rt: HostRuntime) => async (id: string) =>
  (await rt.heldResources()).filter((h) => h.containerId === id).map((h) => `${h.kind} ${h.detail}`);
const target = (): MatrixTarget => ({ w, dir: sim.root, host: sim.hostName, routed: false, held: heldIn(sim) });
const routedTarget = (): MatrixTarget => ({ w, dir: simB.root, host: 'b', routed: true, held: heldIn(simB) });

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-cancel-sim-'));
  sim = simulatedRuntime(path.join(dir, 'root'));
  w = await startTestWorker(inject('temporalAddress'), sim);
  simB = withFaults(simulatedRuntime(path.join(dir, 'root-b'), { host: 'b' }), undefined);
  connectionB = await NativeConnection.connect({ address: w.address });
  const worker = await Worker.create({
    connection: connectionB,
    namespace: 'default',
    taskQueue: hostTaskQueue(w.taskQueue, 'b'),
    activities: createActivities(simB, { monitorRuns: true }),
    dataConverter: w.client.options.dataConverter,
  });
  workerB = { worker, running: worker.run() };
  await registerHost({
    name: 'b',
    driver: simB.kind,
    connection: connectionB,
    namespace: 'default',
    taskQueue: w.taskQueue,
    dataConverter: w.client.options.dataConverter,
  });
  await untilLive(w.session, [sim.hostName, 'b']);
}, 120_000);

afterAll(async () => {
  if (workerB) {
    workerB.worker.shutdown();
    await workerB.running;
  }
  await connectionB?.close();
  await w?.shutdown();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('a start cancelled at any moment ends succeeded or cancelled with nothing held (simulated driver)', () => {
  CANCEL_MOMENTS.forEach((moment, m) => {
    CANCELLING_VERBS.forEach((verb, v) => {
      it(`${verb} ${moment.name}`, async () => {
        await cancelAt(target(), moment, verb, `m${m}-v${v}`);
      });
    });
  });
});

describe("the same with every step an activity on the owner's queue (simulated driver, another host's worker runs the workflow)", () => {
  CANCEL_MOMENTS.forEach((moment, m) => {
    CANCELLING_VERBS.forEach((verb, v) => {
      it(`${verb} ${moment.name}`, async () => {
        await cancelAt(routedTarget(), moment, verb, `routed-m${m}-v${v}`);
      });
    });
  });
});

describe('a workflow task failed mid-start by a signal (simulated driver)', () => {
  for (const step of ['network', 'process']) {
    it(`during ${step}: the retried task adopts what the failed one did and ends running`, async () => {
      await signalledWhileHeld(target(), step);
    });
  }
});

describe("Ctrl-C on `start --cancel-on-interrupt` while the start's task runs (simulated driver)", () => {
  it('the start had succeeded before the request reached it: the CLI says so and exits 0, the container runs', async () => {
    const hold = path.join(dir, 'root', 'cli-adopted.release');
    const { Id } = await createContainer(w.session, everyStep(`network=hold:${hold}`), sim.hostName);
    const child = spawn(
      process.execPath,
      [path.join(REPO, 'bin/container-saga.cjs'), 'start', '--cancel-on-interrupt', Id],
      {
        cwd: REPO,
        env: { ...process.env, TEMPORAL_ADDRESS: w.address, CONTAINER_SAGA_TASK_QUEUE: w.taskQueue, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((r) => child.once('close', r));
    await waitForFile(`${hold}.held`);
    child.kill('SIGINT');
    await until('the CLI to send its cancellation', async () =>
      /cancelling the start/.test(stderr) ? true : undefined,
    );
    // the request is one RPC on the CLI's open connection: well in the server's hands a second later
    await new Promise((r) => setTimeout(r, 1000));
    await fs.writeFile(hold, '');
    expect(await exit, stderr).toBe(0);
    expect(stdout).toBe(`${Id}\n`);
    expect(stderr).toMatch(/had completed before the cancellation reached it: it is running/);
    expect((await inspect(w.session, Id)).State.Running).toBe(true);
    await remove(w.session, Id, true);
    expect(await heldIn(sim)(Id)).toEqual([]);
  });
});
