import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect, inject } from 'vitest';
import { startContainer } from '../../client/api';
import { connect, type Session } from '../../client/connection';
import { CliError } from '../../client/errors';
import { HOST_PICKUP_TIMEOUT_S } from '../../common/hosts-api';
import { startWorkflowId } from '../../common/names';
import type { CreateRequest } from '../../common/types';
import type { ContainerRuntime, HeldResource } from '../../runtime/contract';
import { FAULT_LABEL } from '../../runtime/faults';
import type { temporal } from '@temporalio/proto';
import { REPO, until } from '../harness';
import { createOn, untilLive } from '../hosts-fixture';
import { spawnWorker, waitForFile, writeBundle, type WorkerProcess } from './worker-process';

/**
 * Shared by the host-loss tests (simulated and Linux driver): hosts `a` and `b` as real worker processes on one
 * task queue, each with its own state root, and the loss itself — a start of a container of a holding its
 * network step when a's worker is SIGKILLed, while b keeps creating and starting containers.
 */

export type Host = 'a' | 'b';
export const HOSTS = ['a', 'b'] as const;
/** the side-effect steps' heartbeat timeout (workflows/options.ts sideEffect) */
export const HEARTBEAT_S = 5;
export const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
export const sleeper = (more: Partial<CreateRequest> = {}): CreateRequest => ({
  image: 'busybox',
  cmd: ['sleep', '1000'],
  ...more,
});

export interface HostProcesses {
  dir: string;
  roots: Record<Host, string>;
  envs: Record<Host, NodeJS.ProcessEnv>;
  workers: Partial<Record<Host, WorkerProcess>>;
  drivers: Record<Host, ContainerRuntime>;
  session: Session;
  /** what a host's root holds (of one container), as "<id12> kind detail", read from the root itself */
  held(h: Host, id?: string): Promise<string[]>;
  /**
   * kills both workers, saves their output under test-results/ and closes the session (the caller removes `dir` once
   * its roots are released)
   */
  close(logPrefix: string): Promise<void>;
}

export interface HostSetup {
  /** the state root of a host (made by the caller's rules: the Linux driver's live under /tmp) */
  root(dir: string, h: Host): Promise<string>;
  /** what the worker of a host needs besides the shared variables (driver, its network) */
  env(h: Host): NodeJS.ProcessEnv;
  driver(root: string, h: Host): ContainerRuntime;
}

/** Spawns the workers of a and b (after `ready`, e.g. an image import on each root) and waits for both to be live. */
export async function openHostProcesses(
  prefix: string,
  setup: HostSetup,
  ready: (p: Pick<HostProcesses, 'drivers'>) => Promise<void> = async () => undefined,
): Promise<HostProcesses> {
  const dir = await fs.mkdtemp(path.join('/tmp', `${prefix}-`));
  const bundleFile = await writeBundle(dir);
  const taskQueue = `${prefix}-${randomUUID()}`;
  const roots = {} as Record<Host, string>;
  const envs = {} as Record<Host, NodeJS.ProcessEnv>;
  const drivers = {} as Record<Host, ContainerRuntime>;
  for (const h of HOSTS) {
    roots[h] = await setup.root(dir, h);
    drivers[h] = setup.driver(roots[h], h);
    envs[h] = {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      CONTAINER_SAGA_TASK_QUEUE: taskQueue,
      CONTAINER_SAGA_HOST: h,
      CONTAINER_SAGA_ROOT: roots[h],
      CONTAINER_SAGA_WORKFLOW_BUNDLE: bundleFile,
      ...setup.env(h),
    };
  }
  await ready({ drivers });
  const workers: Partial<Record<Host, WorkerProcess>> = {};
  [workers.a, workers.b] = await Promise.all([spawnWorker(envs.a), spawnWorker(envs.b)]);
  const session = await connect({ ...process.env, ...envs.a });
  await untilLive(session, HOSTS);
  return {
    dir,
    roots,
    envs,
    workers,
    drivers,
    session,
    held: async (h, id) =>
      (await drivers[h].heldResources())
        .filter((r: HeldResource) => id === undefined || r.containerId === id)
        .map((r) => `${r.containerId.slice(0, 12)} ${r.kind} ${r.detail}`)
        .sort(),
    close: async (logPrefix) => {
      for (const h of HOSTS) await workers[h]?.kill();
      // the workers' output, for a post-mortem (a's is its second process's once restarted)
      await fs.mkdir(path.join(REPO, 'test-results'), { recursive: true });
      for (const h of HOSTS)
        await fs.writeFile(path.join(REPO, 'test-results', `${logPrefix}-worker-${h}.log`), workers[h]?.output() ?? '');
      await session.connection.close();
    },
  };
}

/**
 * Where x's start ran its steps: `local` when a's worker took the workflow task, its host steps
 * being local activities inside it; `routed` when b's worker took it and sent every step to a's queue. Both
 * workers poll the shared queue, so either may happen; the loss then goes one of two ways (killAAndKeepStartingOnB).
 */
export type Placement = 'local' | 'routed';

/** x's start history: activities scheduled by type, and those completed. */
async function startHistoryOf(
  p: HostProcesses,
  x: string,
): Promise<{ scheduled: Set<string>; done: Set<string>; events: temporal.api.history.v1.IHistoryEvent[] }> {
  const events = (await p.session.client.workflow.getHandle(startWorkflowId(x)).fetchHistory()).events ?? [];
  const types = new Map<string, string>();
  const done = new Set<string>();
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled) types.set(String(e.eventId), scheduled);
    const completed = e.activityTaskCompletedEventAttributes?.scheduledEventId;
    if (completed) done.add(types.get(String(completed)) ?? '');
  }
  return { scheduled: new Set(types.values()), done, events };
}

/**
 * Creates x on a and starts it with its network step held after its side effect (the step's report is lost
 * with the worker). Resolves once the hold is reached and the rootfs and IPC steps, which run beside it, are
 * done: a's only step in flight is then the held network step. Routed, the history says so; local, nothing
 * reaches the history before the workflow task completes, so a's root says it (x's rootfs and shm mounts
 * made). `started` settles with the start's error.
 */
export async function startHeldOnA(
  p: HostProcesses,
  holdFile: string,
): Promise<{ x: string; started: Promise<unknown>; placement: Placement }> {
  const x = (
    await createOn(
      p.session,
      sleeper({ name: 'starting-x', labels: { [FAULT_LABEL]: `network=hold-after:${holdFile}` } }),
      'a',
    )
  ).Id;
  const started = startContainer(p.session, x).then(
    () => undefined,
    (e: unknown) => e,
  );
  await waitForFile(`${holdFile}.held`);
  const placement = await until("x's rootfs and IPC steps done", async (): Promise<Placement | undefined> => {
    const { scheduled, done } = await startHistoryOf(p, x);
    if (scheduled.has('connectNetwork')) return done.has('mountRootfs') && done.has('setupIpc') ? 'routed' : undefined;
    const mounts = (await p.held('a', x)).filter((r) => r.split(' ')[1] === 'mount');
    return mounts.length >= 2 ? 'local' : undefined;
  });
  return { x, started, placement };
}

export interface Loss {
  failure: CliError;
  /** ms from the kill to the start's failure */
  failedAfter: number;
  /** containers created and started on b meanwhile, and how long each took */
  onB: string[];
  bStarts: number[];
  killedAt: number;
}

/** the default workflow task timeout: how long a workflow task of a dead worker stays its own */
export const WORKFLOW_TASK_TIMEOUT_S = 10;

/** How the loss was noticed, by placement (for the tests' outcome tables). */
export const noticedWithin = (placement: Placement) =>
  placement === 'routed'
    ? `heartbeat ${HEARTBEAT_S} s + pickup ${HOST_PICKUP_TIMEOUT_S} s`
    : `workflow task timeout ${WORKFLOW_TASK_TIMEOUT_S} s + pickup ${HOST_PICKUP_TIMEOUT_S} s`;

/**
 * SIGKILLs a's worker (then releases the hold, so its next worker does not hold again), and creates and starts
 * a container on b every 2 s until x's start has failed. `meanwhile` runs right after the kill (what asks a
 * while it still counts as live). The failure must be HostUnavailable naming a, with nothing compensated:
 * - routed: b's worker ran the workflow; the retried network step is not picked up on a's queue (heartbeat
 *   + pickup), and the compensations are left for a's start-up reconcile, listed in the record;
 * - local: a's worker ran the workflow and died inside its workflow task; that task times out, b's worker
 *   runs the start again from its beginning, does not find x on b and a does not answer its lookup (workflow
 *   task timeout + pickup). Nothing was recorded to compensate: what x holds stays on a's root, which a's
 *   start-up reconcile releases (the claim's run has ended).
 */
export async function killAAndKeepStartingOnB(
  p: HostProcesses,
  holdFile: string,
  held: { x: string; started: Promise<unknown>; placement: Placement },
  meanwhile: () => void = () => undefined,
): Promise<Loss> {
  const { x, started, placement } = held;
  await p.workers.a!.kill('SIGKILL');
  const killedAt = Date.now();
  await fs.writeFile(holdFile, '');
  let settled = false;
  const failed = started.then((e) => {
    settled = true;
    return { e, ms: Date.now() - killedAt };
  });
  meanwhile();
  const onB: string[] = [];
  const bStarts: number[] = [];
  while (!settled) {
    await Promise.race([failed, new Promise((r) => setTimeout(r, 2000))]);
    if (settled) break;
    const t = Date.now();
    const { Id } = await createOn(p.session, sleeper(), 'b');
    await startContainer(p.session, Id);
    bStarts.push(Date.now() - t);
    onB.push(Id);
  }
  const { e, ms: failedAfter } = await failed;
  expect(e).toBeInstanceOf(CliError);
  const failure = e as CliError;
  expect([failure.type, failure.status]).toEqual(['HostUnavailable', 503]);
  const { events, scheduled } = await startHistoryOf(p, x);
  const timedOutTasks = events.filter((e) => e.workflowTaskTimedOutEventAttributes).length;
  if (placement === 'routed') {
    expect(failure.message).toMatch(
      /^host a is unavailable: no worker took its connectNetwork step within 20s \(is the worker with CONTAINER_SAGA_HOST=a running\?\); left for host a's start-up reconcile: /,
    );
    expect(failedAfter).toBeLessThan((HEARTBEAT_S + HOST_PICKUP_TIMEOUT_S + 15) * 1000);
    expect(failure.record).toMatchObject({ host: 'a', status: 'failed', compensations: [] });
    expect(failure.record!.leftovers.map((l) => l.split(':')[0])).toEqual([
      'state',
      'unmount-ipc',
      'release-network',
      'unmount-rootfs',
      'die event',
    ]);
    expect(timedOutTasks).toBe(0);
  } else {
    expect(failure.message).toBe(
      `No such container: ${x} on the hosts that answered; host a did not answer within 20s (is the worker with CONTAINER_SAGA_HOST=a running?)`,
    );
    expect(failedAfter).toBeLessThan((WORKFLOW_TASK_TIMEOUT_S + HOST_PICKUP_TIMEOUT_S + 15) * 1000);
    expect(failure.record).toMatchObject({ status: 'failed', compensations: [], leftovers: [] });
    // the dead worker's workflow task timed out; the run that followed asked the registry, and a only its lookup
    expect(timedOutTasks).toBe(1);
    expect([...scheduled].sort()).toEqual(['liveHosts', 'locateHere']);
  }
  expect(onB.length).toBeGreaterThan(3);
  return { failure, failedAfter, onB, bStarts, killedAt };
}

/** Restarts a's worker with its start-up reconcile on; resolves with the reconcile's line and how long it took. */
export async function restartAWithReconcile(p: HostProcesses): Promise<{ reconciled: string; took: number }> {
  const restartAt = Date.now();
  p.workers.a = await spawnWorker({ ...p.envs.a, CONTAINER_SAGA_RECONCILE: '1' });
  const reconciled = await until(
    "a's start-up reconcile",
    async () => /start-up reconcile: (.*)/.exec(p.workers.a!.output())?.[1],
    60_000,
  );
  return { reconciled, took: Date.now() - restartAt };
}

/** The kinds a reconcile line says it released for a container: "released <id12> (mount …, netns …)". */
export const releasedKinds = (reconciled: string) =>
  (reconciled.match(/\((.*?)\)/)?.[1] ?? '').split(', ').map((r) => r.split(' ')[0]);
