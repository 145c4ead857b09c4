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
export const sleeper = (more: Partial<CreateRequest> = {}): CreateRequest => ({ image: 'busybox', cmd: ['sleep', '1000'], ...more });

export interface HostProcesses {
  dir: string;
  roots: Record<Host, string>;
  envs: Record<Host, NodeJS.ProcessEnv>;
  workers: Partial<Record<Host, WorkerProcess>>;
  drivers: Record<Host, ContainerRuntime>;
  session: Session;
  /** what a host's root holds (of one container), as "<id12> kind detail", read from the root itself */
  held(h: Host, id?: string): Promise<string[]>;
  /** kills both workers, saves their output under test-results/ and closes the session (the caller removes `dir` once its roots are released) */
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
export async function openHostProcesses(prefix: string, setup: HostSetup, ready: (p: Pick<HostProcesses, 'drivers'>) => Promise<void> = async () => undefined): Promise<HostProcesses> {
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
      for (const h of HOSTS) await fs.writeFile(path.join(REPO, 'test-results', `${logPrefix}-worker-${h}.log`), workers[h]?.output() ?? '');
      await session.connection.close();
    },
  };
}

/**
 * Creates x on a and starts it with its network step held after its side effect (the step's report is lost
 * with the worker). Resolves once the hold is reached and the rootfs and IPC steps, which run beside it, are
 * done: a's only step in flight is then the held network step. `started` settles with the start's error.
 */
export async function startHeldOnA(p: HostProcesses, holdFile: string): Promise<{ x: string; started: Promise<unknown> }> {
  const x = (await createOn(p.session, sleeper({ name: 'starting-x', labels: { [FAULT_LABEL]: `network=hold-after:${holdFile}` } }), 'a')).Id;
  const started = startContainer(p.session, x).then(() => undefined, (e: unknown) => e);
  await waitForFile(`${holdFile}.held`);
  await until("x's rootfs and IPC steps done", async () => {
    const done = new Set<string>();
    const types = new Map<string, string>();
    for (const e of (await p.session.client.workflow.getHandle(startWorkflowId(x)).fetchHistory()).events ?? []) {
      const scheduled = e.activityTaskScheduledEventAttributes?.activityType?.name;
      if (scheduled) types.set(String(e.eventId), scheduled);
      const completed = e.activityTaskCompletedEventAttributes?.scheduledEventId;
      if (completed) done.add(types.get(String(completed)) ?? '');
    }
    return done.has('mountRootfs') && done.has('setupIpc') ? true : undefined;
  });
  return { x, started };
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

/**
 * SIGKILLs a's worker (then releases the hold, so its next worker does not hold again), and creates and starts
 * a container on b every 2 s until x's start has failed. `meanwhile` runs right after the kill (what asks a
 * while it still counts as live). The failure must be HostUnavailable naming a within heartbeat + pickup,
 * with nothing compensated and the compensations left for a's start-up reconcile.
 */
export async function killAAndKeepStartingOnB(p: HostProcesses, holdFile: string, started: Promise<unknown>, meanwhile: () => void = () => undefined): Promise<Loss> {
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
  expect(failure.message).toMatch(/^host a is unavailable: no worker took its connectNetwork step within 20s \(is the worker with CONTAINER_SAGA_HOST=a running\?\); left for host a's start-up reconcile: /);
  expect(failedAfter).toBeLessThan((HEARTBEAT_S + HOST_PICKUP_TIMEOUT_S + 15) * 1000);
  expect(failure.record).toMatchObject({ host: 'a', status: 'failed', compensations: [] });
  expect(failure.record!.leftovers.map((l) => l.split(':')[0])).toEqual(['state', 'unmount-ipc', 'release-network', 'unmount-rootfs', 'die event']);
  expect(onB.length).toBeGreaterThan(3);
  return { failure, failedAfter, onB, bStarts, killedAt };
}

/** Restarts a's worker with its start-up reconcile on; resolves with the reconcile's line and how long it took. */
export async function restartAWithReconcile(p: HostProcesses): Promise<{ reconciled: string; took: number }> {
  const restartAt = Date.now();
  p.workers.a = await spawnWorker({ ...p.envs.a, CONTAINER_SAGA_RECONCILE: '1' });
  const reconciled = await until("a's start-up reconcile", async () => /start-up reconcile: (.*)/.exec(p.workers.a!.output())?.[1], 60_000);
  return { reconciled, took: Date.now() - restartAt };
}

/** The kinds a reconcile line says it released for a container: "released <id12> (mount …, netns …)". */
export const releasedKinds = (reconciled: string) => (reconciled.match(/\((.*?)\)/)?.[1] ?? '').split(', ').map((r) => r.split(' ')[0]);
