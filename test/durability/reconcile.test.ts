import { randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createContainer, inspect, startContainer, stop } from '../../client/api';
import { startWorkflowId } from '../../common/names';
import type { ContainerStartResult } from '../../common/start-api';
import { FAULT_LABEL } from '../../runtime/faults';
import type { SimulatedRuntime } from '../../runtime/simulated-runtime';
import { simulatedRuntime } from '../runtimes';
import { startTestWorker, type TestWorker } from '../harness';
import { spawnWorker, waitForFile, writeBundle } from './worker-process';

// The one-start-per-container rule for a saga started under a foreign workflow ID, and the worker's
// start-up reconcile (Docker's restore at boot) releasing what no container owns. Simulated driver.

let dir: string;
let root: string;
let sim: SimulatedRuntime;
let w: TestWorker;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-reconcile-'));
  root = path.join(dir, 'root');
  sim = simulatedRuntime(root);
  w = await startTestWorker(inject('temporalAddress'), sim);
});

afterAll(async () => {
  await w?.shutdown();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('one start per container', () => {
  it('a saga under another workflow ID for a container being started fails with 409 StartInProgress, and changes nothing', async () => {
    const hold = path.join(root, 'claim.release');
    const { Id } = await createContainer(w.session, {
      image: 'busybox',
      cmd: ['sleep', '1'],
      hostConfig: { Binds: ['d1:/d'] },
      labels: { [FAULT_LABEL]: `network=hold:${hold}` },
    });
    const canonical = startContainer(w.session, Id);
    await waitForFile(`${hold}.held`);
    const intruder = w.client.workflow.execute('containerStart', {
      taskQueue: w.taskQueue,
      workflowId: `my-own-id-${randomUUID()}`,
      args: [{ container: Id }],
    });
    const err = await intruder.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('StartInProgress');
    expect(cause.message).toBe(`Conflict: container ${Id} is already being started by workflow ${startWorkflowId(Id)}`);
    expect((cause.details?.[0] as ContainerStartResult).error?.status).toBe(409);
    await fs.writeFile(hold, '');
    expect((await canonical).status).toBe('running');
    const rec = await inspect(w.session, Id);
    expect(rec.State).toMatchObject({ Running: true, Error: '' });
    expect(rec.StartingBy).toBeUndefined();
  });

  it('stop cancels a start in flight even under a foreign workflow ID (the claim says which saga it is)', async () => {
    const hold = path.join(root, 'foreign.release');
    const { Id } = await createContainer(w.session, {
      image: 'busybox',
      cmd: ['sleep', '1'],
      hostConfig: { Binds: ['d2:/d'] },
      labels: { [FAULT_LABEL]: `volumes=hold-after:${hold}` },
    });
    const foreign = w.client.workflow.start('containerStart', {
      taskQueue: w.taskQueue,
      workflowId: `my-own-id-${randomUUID()}`,
      args: [{ container: Id }],
    });
    await waitForFile(`${hold}.held`);
    const stopped = await stop(w.session, Id, 1);
    expect(stopped.cancelledStart).toBe(true);
    const desc = await (await foreign).describe();
    expect(desc.status.name).toBe('CANCELLED');
    const rec = await inspect(w.session, Id);
    expect(rec.State.Running).toBe(false);
    expect(rec.StartingBy).toBeUndefined();
    expect((await sim.heldResources()).filter((h) => h.containerId === Id)).toEqual([]);
  });
});

describe('worker start-up reconcile', () => {
  it('a new worker process releases resources whose container is gone and leaves running containers alone', async () => {
    // An orphan: a netns and an IP held for a container ID that has no record (a crash between create and rm).
    const orphan = randomBytes(32).toString('hex');
    await fs.mkdir(path.join(root, 'sim', 'netns'), { recursive: true });
    await fs.writeFile(path.join(root, 'sim', 'netns', `${orphan}.json`), '{}');
    const ipam = path.join(root, 'sim', 'ipam.json');
    const table = JSON.parse(await fs.readFile(ipam, 'utf8').catch(() => '{}')) as Record<string, string>;
    await fs.writeFile(ipam, JSON.stringify({ ...table, '10.88.250.250': orphan }));
    expect(
      (await sim.heldResources())
        .filter((h) => h.containerId === orphan)
        .map((h) => h.kind)
        .sort(),
    ).toEqual(['ip', 'netns']);
    // A running container's resources must survive the sweep.
    const { Id: running } = await createContainer(w.session, { image: 'busybox', cmd: ['sleep', '1'] });
    await startContainer(w.session, running);
    const before = (await sim.heldResources()).filter((h) => h.containerId === running);

    const worker = await spawnWorker({
      TEMPORAL_ADDRESS: w.address,
      CONTAINER_SAGA_TASK_QUEUE: w.taskQueue,
      CONTAINER_SAGA_ROOT: root,
      CONTAINER_SAGA_DRIVER: 'simulated',
      CONTAINER_SAGA_WORKFLOW_BUNDLE: await writeBundle(dir),
      CONTAINER_SAGA_RECONCILE: '1',
    });
    try {
      const deadline = Date.now() + 30_000;
      while (!/start-up reconcile: /.test(worker.output()) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(worker.output()).toMatch(new RegExp(`start-up reconcile: released ${orphan.slice(0, 12)} \\(`));
      expect((await sim.heldResources()).filter((h) => h.containerId === orphan)).toEqual([]);
      expect((await sim.heldResources()).filter((h) => h.containerId === running)).toEqual(before);
    } finally {
      await worker.kill('SIGTERM');
    }
  });
});
