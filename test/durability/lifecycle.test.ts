import { spawn } from 'node:child_process';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect } from 'vitest';
import { createContainer, gc, inspect, readEvents, remove, startContainer, stop } from '../../client/api';
import { CliError } from '../../client/errors';
import { startWorkflowId } from '../../common/names';
import { FAULT_LABEL } from '../../runtime/faults';
import { leaksOf } from '../../runtime/drivers/linux/probe';
import { REPO } from '../harness';
import { linuxSuite, testNetwork } from '../linux-fixture';
import { waitForFile } from './worker-process';

// Concurrency, stop/rm racing a start, compensation failure and gc, and cancellation from the CLI, with
// real containers (Linux driver, root). Server restarts: server-restart.test.ts.

const suite = linuxSuite('cs-life-root', testNetwork('durability/lifecycle'));
const rootIt = suite.it;

/** A busybox container with a volume, so every step (volumes included) has work to do. */
const sleeper = (extra: object = {}) => ({
  image: 'busybox',
  cmd: ['sleep', '1000'],
  hostConfig: { Binds: ['lifevol:/data'] },
  ...extra,
});

describe('concurrency', () => {
  rootIt(
    '20 concurrent starts of one container run one saga; the others attach and get its result, or (arriving after it ended) AlreadyStarted',
    async () => {
      const { Id } = await createContainer(suite.w.session, sleeper({ name: 'popular' }));
      const runIds = new Set<string>();
      // Each start reads the container first (its workflow ID and Web UI metadata); one whose read comes back
      // after the saga has ended starts a new run, which finds the container running: Docker's 304.
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          startContainer(suite.w.session, i % 2 ? Id : 'popular', {
            onStarted: (h: WorkflowHandle) =>
              void runIds.add((h as WorkflowHandle & { firstExecutionRunId: string }).firstExecutionRunId),
          }).then(
            (record) => ({ record }),
            (err: unknown) => {
              if (err instanceof CliError && err.type === 'AlreadyStarted') return { late: err };
              throw err;
            },
          ),
        ),
      );
      const attached = outcomes.flatMap((o) => ('record' in o ? [o.record] : []));
      expect(attached.length).toBeGreaterThan(0);
      expect(new Set(attached.map((r) => JSON.stringify(r))).size).toBe(1);
      expect(attached[0]!.status).toBe('running');
      // one run for all that attached, at most one more per late start (each ended AlreadyStarted, doing nothing)
      expect(runIds.size).toBeLessThanOrEqual(1 + (20 - attached.length));
      const { events } = await readEvents(suite.w.session, 0);
      expect(events.filter((e) => e.id === Id && e.action === 'start')).toHaveLength(1);
      await remove(suite.w.session, Id, true);
    },
  );

  rootIt(
    '20 different containers start in parallel, each with its own IP',
    async () => {
      const ids = await Promise.all(
        Array.from({ length: 20 }, () => createContainer(suite.w.session, sleeper()).then((c) => c.Id)),
      );
      const results = await Promise.all(ids.map((id) => startContainer(suite.w.session, id)));
      expect(results.every((r) => r.status === 'running')).toBe(true);
      const ips = results.map((r) => r.ipAddress);
      expect(new Set(ips).size).toBe(20);
      for (const ip of ips) expect(ip).toMatch(/^10\.93\./);
      await Promise.all(ids.map((id) => remove(suite.w.session, id, true)));
      for (const id of ids) expect(await leaksOf(suite.rt.root, id)).toEqual([]);
    },
    180_000,
  );
});

describe('stop and rm while a start is in flight', () => {
  for (const verb of ['stop', 'rm'] as const) {
    rootIt(
      `${verb} cancels the start, which compensates, then ${verb === 'stop' ? 'stops' : 'removes'}: never a half-started container`,
      async () => {
        const hold = path.join(suite.rt.root, `${verb}.release`);
        const { Id } = await createContainer(
          suite.w.session,
          sleeper({ labels: { [FAULT_LABEL]: `volumes=hold-after:${hold}` } }),
        );
        const starting = startContainer(suite.w.session, Id).then(
          () => undefined,
          (e: unknown) => e,
        );
        await waitForFile(`${hold}.held`);
        const done = verb === 'stop' ? await stop(suite.w.session, Id, 1) : await remove(suite.w.session, Id, false);
        expect(done.cancelledStart).toBe(true);
        const failure = (await starting) as CliError;
        expect(failure).toBeInstanceOf(CliError);
        expect(failure.type).toBe('Cancelled');
        expect(await leaksOf(suite.rt.root, Id)).toEqual([]);
        if (verb === 'stop') {
          const rec = await inspect(suite.w.session, Id);
          expect(rec.State.Running).toBe(false);
          expect(rec.StartingBy).toBeUndefined();
          await remove(suite.w.session, Id, false);
        } else {
          await expect(inspect(suite.w.session, Id)).rejects.toMatchObject({ type: 'NoSuchContainer' });
        }
      },
    );
  }
});

describe('compensation failure', () => {
  rootIt(
    'a release that keeps failing is retried, then reported and recorded; gc releases it later',
    async () => {
      const { Id } = await createContainer(
        suite.w.session,
        sleeper({ labels: { [FAULT_LABEL]: 'volumes=fail,release-network=transient:8' } }),
      );
      const failure = (await startContainer(suite.w.session, Id).catch((e: unknown) => e)) as CliError;
      expect(failure.type).toBe('CompensationIncomplete');
      expect(failure.message).toMatch(
        /^injected failure at volumes; could not release: release-network: injected failure at release-network/,
      );
      expect(failure.record?.compensations).toEqual(['unmount-volumes', 'unmount-ipc', 'unmount-rootfs']);
      const rec = await inspect(suite.w.session, Id);
      expect(rec.Leftovers).toEqual([expect.stringMatching(/^release-network: /)]);
      expect(rec.State.ExitCode).toBe(128);
      const held = await leaksOf(suite.rt.root, Id);
      expect(held.some((l) => /netns|ipam/i.test(l))).toBe(true); // recorded, not forgotten
      const report = await gc(suite.w.session);
      expect(report.failed).toEqual([]);
      expect(report.released.map((r) => r.containerId)).toContain(Id);
      expect(await leaksOf(suite.rt.root, Id)).toEqual([]);
      expect((await inspect(suite.w.session, Id)).Leftovers).toBeUndefined();
      await remove(suite.w.session, Id, false);
    },
    120_000,
  );
});

describe('cancellation', () => {
  rootIt('Ctrl-C on `start --cancel-on-interrupt` cancels the saga: it compensates and ends Cancelled', async () => {
    const hold = path.join(suite.rt.root, 'cli-cancel.release');
    const { Id } = await createContainer(
      suite.w.session,
      sleeper({ labels: { [FAULT_LABEL]: `ipc=hold-after:${hold}` } }),
    );
    const child = spawn(
      process.execPath,
      [path.join(REPO, 'bin/container-saga.cjs'), 'start', '--cancel-on-interrupt', Id],
      {
        cwd: REPO,
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: suite.w.address,
          CONTAINER_SAGA_TASK_QUEUE: suite.w.taskQueue,
          NO_COLOR: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exit = new Promise<number | null>((r) => child.once('close', r));
    await waitForFile(`${hold}.held`);
    child.kill('SIGINT');
    expect(await exit).toBe(130);
    expect(stderr).toMatch(/cancelling the start/);
    // the start holds the claim, so every release the container needs runs, in teardown order: the process's
    // and the spec's too, which this run never reached (an attempt whose results were lost might have)
    expect([...stderr.matchAll(/↺ (\S+)/g)].map((m) => m[1])).toEqual([
      'unregister-process',
      'remove-spec',
      'unmount-volumes',
      'unmount-ipc',
      'release-network',
      'unmount-rootfs',
    ]);
    const desc = await suite.w.client.workflow.getHandle(startWorkflowId(Id)).describe();
    expect(desc.status.name).toBe('CANCELLED');
    const rec = await inspect(suite.w.session, Id);
    expect(rec.State).toMatchObject({ Running: false, Pid: 0 });
    expect(rec.StartingBy).toBeUndefined();
    expect(await leaksOf(suite.rt.root, Id)).toEqual([]);
    await remove(suite.w.session, Id, false);
  });
});
