import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { expect, inject } from 'vitest';
import { createContainer, inspect, remove, stop } from '../../client/api';
import { monitorWorkflowId } from '../../common/monitor-api';
import { startWorkflowId } from '../../common/names';
import type { CreateRequest } from '../../common/types';
import { FAULT_LABEL } from '../../runtime/faults';
import { until, type TestWorker } from '../harness';
import { waitForFile } from './worker-process';

/**
 * The cancellation matrix: a start cancelled at every moment (before the claim, inside each host
 * step, between steps, inside mark-running, inside the compensation) by each verb that cancels (the Web UI's
 * and the temporal CLI's cancel request, `stop`, `rm -f`), on either driver. Whatever the moment, the start
 * ends succeeded (running, monitored, no claim) or cancelled with nothing held; the leak probe says which.
 * The held steps run as local activities in one workflow task, so a cancellation that arrives while one is
 * held makes the server reject that task's completion: the case where their results are lost.
 */

/**
 * A cancel request from a Temporal client (what the Web UI's Request Cancellation sends), the temporal CLI's, stop, rm
 * -f.
 */
export type CancellingVerb = 'cancel request' | 'temporal workflow cancel' | 'stop' | 'rm -f';
export const CANCELLING_VERBS: readonly CancellingVerb[] = [
  'cancel request',
  'temporal workflow cancel',
  'stop',
  'rm -f',
];

/** Cancels a start as an operator does from a shell: the temporal CLI against the test server. */
function temporalCancel(t: MatrixTarget, workflowId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      inject('temporalCliPath'),
      ['workflow', 'cancel', '--address', t.w.address, '--namespace', 'default', '--workflow-id', workflowId],
      (err, _out, stderr) =>
        err ? reject(new Error(`temporal workflow cancel: ${stderr || err.message}`)) : resolve(),
    );
  });
}

const requestsCancel = (verb: CancellingVerb) => verb === 'cancel request' || verb === 'temporal workflow cancel';

export interface CancelMoment {
  name: string;
  /** the container's fault plan, `HOLD` standing for the hold file; none: cancelled before its first task */
  faults?: string;
  /**
   * How a cancel request alone ends the start when its steps are local activities: COMPLETED where the held
   * task went on to start the container before the request could reach the workflow (it is adopted),
   * CANCELLED where nothing had started.
   */
  cancelled: Outcome;
  /**
   * The same when its steps are activities on the owner's queue (the workflow task on another host's
   * worker): the request reaches the workflow while the step runs, so only a container already marked
   * running is adopted; a start already failing finishes its compensation and ends FAILED, nothing held.
   */
  routed: Outcome;
}

type Outcome = 'COMPLETED' | 'CANCELLED' | 'FAILED';

export const CANCEL_MOMENTS: readonly CancelMoment[] = [
  { name: 'before the claim (the first workflow task sees the request)', cancelled: 'CANCELLED', routed: 'CANCELLED' },
  ...['mount-rootfs', 'network', 'ipc', 'volumes', 'working-dir', 'spec', 'process'].map((step) => ({
    name: `during ${step}`,
    faults: `${step}=hold:HOLD`,
    cancelled: 'COMPLETED' as const,
    routed: 'CANCELLED' as const,
  })),
  {
    name: 'between the process and mark-running',
    faults: 'process=hold-after:HOLD',
    cancelled: 'COMPLETED',
    routed: 'CANCELLED',
  },
  {
    name: 'during mark-running, before the hand-off to the monitor',
    faults: 'mark-running=hold-after:HOLD',
    cancelled: 'COMPLETED',
    routed: 'COMPLETED',
  },
  {
    name: 'during the compensation of a failed start',
    faults: 'process=fail,unmount-rootfs=hold:HOLD',
    cancelled: 'CANCELLED',
    routed: 'FAILED',
  },
];

/** Every host step has work: a volume (volumes), a working dir (working-dir), the default private /dev/shm (ipc). */
export const everyStep = (faults?: string): CreateRequest => ({
  image: 'busybox',
  cmd: ['sleep', '1000'],
  workingDir: '/work',
  hostConfig: { Binds: ['cancelvol:/data'] },
  ...(faults ? { labels: { [FAULT_LABEL]: faults } } : {}),
});

export interface MatrixTarget {
  w: TestWorker;
  /** where hold files go: the container's host's state root (runtime/faults.ts confines them there) */
  dir: string;
  /** the container's host */
  host: string;
  /** whether its steps are activities on its host's queue (the workflow tasks run on another host's worker) */
  routed: boolean;
  /** what the host still holds for the container (mounts, netns, IP, process, spec) */
  held(id: string): Promise<string[]>;
}

export interface Ended {
  id: string;
  status: string;
}

/** How long stop or rm -f has to send its cancellation while the step is held, before the step is let go. */
const LAND_MS = 300;

/**
 * Starts a container held at `moment`, cancels it with `verb` while held, lets the step go, and asserts the
 * end state. Returns the start's final status (COMPLETED when it had succeeded before the request reached
 * it, CANCELED otherwise).
 */
export async function cancelAt(
  t: MatrixTarget,
  moment: CancelMoment,
  verb: CancellingVerb,
  tag: string,
): Promise<Ended> {
  const hold = path.join(t.dir, `${tag}.release`);
  const { Id } = await createContainer(t.w.session, everyStep(moment.faults?.replace('HOLD', hold)), t.host);
  const handle: WorkflowHandle = await t.w.client.workflow.start('containerStart', {
    taskQueue: t.w.taskQueue,
    workflowId: startWorkflowId(Id),
    args: [{ container: Id }],
    // no step to hold: the request is in history before the first workflow task
    ...(moment.faults ? {} : { startDelay: '2s' }),
  });
  if (moment.faults) await waitForFile(`${hold}.held`);
  const verbDone = {
    'cancel request': () => handle.cancel(),
    'temporal workflow cancel': () => temporalCancel(t, handle.workflowId),
    stop: () => stop(t.w.session, Id, 1),
    'rm -f': () => remove(t.w.session, Id, true),
  }[verb]();
  // a request is in history once the server answered it; stop and rm -f answer only once the start has ended,
  // so they are given time to send theirs
  if (requestsCancel(verb)) await verbDone;
  else await new Promise((r) => setTimeout(r, LAND_MS));
  await fs.writeFile(hold, '');
  await verbDone;
  await handle.result().catch(() => undefined);
  const { status } = await handle.describe();
  // a cancel request ends it as the moment says; stop and rm -f end it the same ways
  expect(['COMPLETED', 'CANCELLED', ...(moment.routed === 'FAILED' && t.routed ? ['FAILED'] : [])]).toContain(
    status.name,
  );
  if (requestsCancel(verb)) expect(status.name).toBe(t.routed ? moment.routed : moment.cancelled);

  if (verb === 'rm -f') {
    await expect(inspect(t.w.session, Id)).rejects.toMatchObject({ type: 'NoSuchContainer' });
  } else {
    const rec = await inspect(t.w.session, Id);
    expect(rec.StartingBy).toBeUndefined();
    const monitorOf = () =>
      t.w.client.workflow
        .getHandle(monitorWorkflowId(Id))
        .describe()
        .then(
          (d) => d.status.name,
          () => 'none',
        );
    if (status.name === 'COMPLETED' && requestsCancel(verb)) {
      const monitor = await monitorOf();
      // succeeded: running, monitored, and its result says so
      expect(rec.State.Running).toBe(true);
      expect(monitor).toBe('RUNNING');
      expect(await handle.result()).toMatchObject({ status: 'running', pid: rec.State.Pid });
    } else {
      // cancelled (or stopped after it succeeded): nothing of the start is held, and no monitor watches once
      // a stopped run's monitor has seen its exit
      expect(rec.State.Running).toBe(false);
      await until('the monitor to end', async () => ((await monitorOf()) === 'RUNNING' ? undefined : true), 15_000);
      expect(await t.held(Id)).toEqual([]);
    }
    await remove(t.w.session, Id, true);
  }
  expect(await t.held(Id)).toEqual([]);
  return { id: Id, status: status.name };
}

/**
 * A workflow task failed on purpose mid-start: a signal sent while a local host step is held makes the server
 * reject the task's completion, so the retried task runs without the held attempt's results. The start
 * adopts what that attempt did: it ends running, monitored, once, with nothing held twice.
 */
export async function signalledWhileHeld(t: MatrixTarget, step: string): Promise<void> {
  const hold = path.join(t.dir, `signal-${step}.release`);
  const { Id } = await createContainer(t.w.session, everyStep(`${step}=hold:${hold}`), t.host);
  const handle = await t.w.client.workflow.start('containerStart', {
    taskQueue: t.w.taskQueue,
    workflowId: startWorkflowId(Id),
    args: [{ container: Id }],
  });
  await waitForFile(`${hold}.held`);
  await handle.signal('operatorNote', 'a signal the start has no handler for');
  await fs.writeFile(hold, '');
  const result = await handle.result();
  const history = await handle.fetchHistory();
  // the task did fail and was retried: this is the lost-results path, not a clean run
  expect(history.events!.some((e) => e.workflowTaskFailedEventAttributes)).toBe(true);
  const rec = await inspect(t.w.session, Id);
  expect(result).toMatchObject({ status: 'running', pid: rec.State.Pid });
  expect(rec.State.Running).toBe(true);
  expect(rec.StartingBy).toBeUndefined();
  expect((await t.w.client.workflow.getHandle(monitorWorkflowId(Id)).describe()).status.name).toBe('RUNNING');
  await remove(t.w.session, Id, true);
  expect(await t.held(Id)).toEqual([]);
}
