import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { inspect, list, remove, startContainer } from '../../client/api';
import { connect, type Session } from '../../client/connection';
import { CliError } from '../../client/errors';
import { HOST_LIVE_WINDOW_MS, HOST_PICKUP_TIMEOUT_S } from '../../common/hosts-api';
import { monitorWorkflowId } from '../../common/monitor-api';
import { startWorkflowId } from '../../common/names';
import type { CreateRequest } from '../../common/types';
import type { HeldResource } from '../../runtime/contract';
import { FAULT_LABEL } from '../../runtime/faults';
import { SimulatedRuntime } from '../../runtime/simulated/driver';
import { cli, REPO, until } from '../harness';
import { createOn, hostLs, untilLive } from '../hosts-fixture';
import { spawnWorker, waitForFile, writeBundle, type WorkerProcess } from './worker-process';

// A host that goes away (issue 12, point 3), with real worker processes as hosts `a` and `b` (simulated
// driver, their own state roots, one task queue): host a's worker is SIGKILLed while a start of one of its
// containers holds a step. That start must fail within a bounded time — the step's heartbeat timeout, then
// HOST_PICKUP_TIMEOUT_S for its retry that no worker of a takes — with HostUnavailable naming host a,
// recording what it could not compensate, while host b keeps creating and starting containers. When a's
// worker comes back on its root, its start-up reconcile releases what the failed start held and restores the
// monitors of a's running containers; b's containers are never touched. Between the two, what asks host a
// waits the pickup bound for it until a's last poll is older than HOST_LIVE_WINDOW_MS, then a is shown down
// and skipped. The outcome table is printed.

/** the side-effect steps' heartbeat timeout (workflows/options.ts sideEffect) */
const HEARTBEAT_S = 5;
const table: string[] = [];
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

type Host = 'a' | 'b';
let dir: string;
let bundleFile: string;
const roots = {} as Record<Host, string>;
const envs = {} as Record<Host, NodeJS.ProcessEnv>;
const workers = {} as Partial<Record<Host, WorkerProcess>>;
let session: Session;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-host-loss-'));
  bundleFile = await writeBundle(dir);
  const taskQueue = `host-loss-${randomUUID()}`;
  for (const h of ['a', 'b'] as const) {
    roots[h] = path.join(dir, `root-${h}`);
    envs[h] = {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      CONTAINER_SAGA_TASK_QUEUE: taskQueue,
      CONTAINER_SAGA_HOST: h,
      CONTAINER_SAGA_ROOT: roots[h],
      CONTAINER_SAGA_DRIVER: 'simulated',
      CONTAINER_SAGA_WORKFLOW_BUNDLE: bundleFile,
    };
  }
  [workers.a, workers.b] = await Promise.all([spawnWorker(envs.a), spawnWorker(envs.b)]);
  session = await connect({ ...process.env, ...envs.a });
  await untilLive(session, ['a', 'b']);
}, 120_000);

afterAll(async () => {
  for (const h of ['a', 'b'] as const) await workers[h]?.kill();
  // the workers' output, for a post-mortem (a's is its second process's once restarted)
  await fs.mkdir(path.join(REPO, 'test-results'), { recursive: true });
  for (const h of ['a', 'b'] as const) await fs.writeFile(path.join(REPO, 'test-results', `host-loss-worker-${h}.log`), workers[h]?.output() ?? '');
  await session?.connection.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
  if (table.length > 0) console.log(`host-loss outcome table (case → outcome, timings):\n${table.join('\n')}`);
}, 60_000);

const sleeper = (more: Partial<CreateRequest> = {}): CreateRequest => ({ image: 'busybox', cmd: ['sleep', '1000'], ...more });
/** What a host's root holds of a container, as "kind detail" (read from the root itself, not through a worker). */
async function held(h: Host, id?: string): Promise<string[]> {
  const rt = new SimulatedRuntime(roots[h]);
  return (await rt.heldResources()).filter((r: HeldResource) => id === undefined || r.containerId === id).map((r) => `${r.containerId.slice(0, 12)} ${r.kind} ${r.detail}`).sort();
}
async function monitorStatus(id: string): Promise<string> {
  return (await session.client.workflow.getHandle(monitorWorkflowId(id)).describe()).status.name;
}

const row = (c: string, outcome: string) => table.push(`${c.padEnd(58)} → ${outcome}`);

describe('a host that goes away mid-start (real worker processes, simulated driver)', () => {
  const runningOn = {} as Record<Host, string>;
  const onB: string[] = [];
  const hold = () => path.join(dir, 'network.release');
  let x: string;
  let idleOnA: string;
  let unplaced: string;
  let killedAt: number;
  let started: Promise<unknown>;
  let bHeldBeforeRestart: string[];

  it('before the loss: a container runs on each host; x, on a, holds its network step', async () => {
    for (const h of ['a', 'b'] as const) {
      runningOn[h] = (await createOn(session, sleeper({ name: `running-${h}` }), h)).Id;
      await startContainer(session, runningOn[h]);
    }
    idleOnA = (await createOn(session, sleeper({ name: 'idle-a' }), 'a')).Id;
    expect((await held('b')).length).toBeGreaterThan(0);
    // the start of x on a holds its network step after the side effect (the report is lost with the worker)
    x = (await createOn(session, sleeper({ name: 'starting-x', labels: { [FAULT_LABEL]: `network=hold-after:${hold()}` } }), 'a')).Id;
    started = startContainer(session, x).then(() => undefined, (e: unknown) => e);
    await waitForFile(`${hold()}.held`);
    // The prepare steps run at once: the network step can reach its hold before the rootfs and IPC steps are
    // even picked up. The loss below is of a host whose only step in flight is the held network step.
    await until('x\'s rootfs and IPC steps done', async () => {
      const done = new Set<string>();
      const types = new Map<string, string>();
      for (const e of (await session.client.workflow.getHandle(startWorkflowId(x)).fetchHistory()).events ?? []) {
        const scheduled = e.activityTaskScheduledEventAttributes?.activityType?.name;
        if (scheduled) types.set(String(e.eventId), scheduled);
        const completed = e.activityTaskCompletedEventAttributes?.scheduledEventId;
        if (completed) done.add(types.get(String(completed)) ?? '');
      }
      return done.has('mountRootfs') && done.has('setupIpc') ? true : undefined;
    });
    expect((await held('a', x)).map((r) => r.split(' ')[1])).toEqual(expect.arrayContaining(['mount', 'netns', 'ip']));
  });

  it("SIGKILL of a's worker: x's start fails HostUnavailable naming a within heartbeat + pickup, leaving its compensations to a; b keeps starting containers", async () => {
    await workers.a!.kill('SIGKILL');
    killedAt = Date.now();
    await fs.writeFile(hold(), ''); // the next worker of a must not hold again
    let settled = false;
    const failed = started.then((e) => {
      settled = true;
      return { e, ms: Date.now() - killedAt };
    });
    const timed = async (fn: () => Promise<unknown>): Promise<{ value: unknown; ms: number }> => {
      const t = Date.now();
      const value = await fn().catch((e: unknown) => e);
      return { value, ms: Date.now() - t };
    };
    // while a still counts as live (its last poll is recent): what asks a waits the pickup bound for it
    const unpinned = timed(async () => (await createOn(session, sleeper())).Id);
    const startIdle = timed(() => startContainer(session, idleOnA));
    const psWhileDown = timed(() => list(session, true));
    // host b meanwhile, pinned: one container created and started every 2 s until x's start has failed
    const bStarts: number[] = [];
    while (!settled) {
      await Promise.race([failed, new Promise((r) => setTimeout(r, 2000))]);
      if (settled) break;
      const t = Date.now();
      const { Id } = await createOn(session, sleeper(), 'b');
      await startContainer(session, Id);
      bStarts.push(Date.now() - t);
      onB.push(Id);
    }
    const { e: failure, ms: failedAfter } = await failed;
    expect(failure).toBeInstanceOf(CliError);
    const err = failure as CliError;
    expect([err.type, err.status]).toEqual(['HostUnavailable', 503]);
    expect(err.message).toMatch(/^host a is unavailable: no worker took its connectNetwork step within 20s \(is the worker with CONTAINER_SAGA_HOST=a running\?\); left for host a's start-up reconcile: /);
    expect(failedAfter).toBeLessThan((HEARTBEAT_S + HOST_PICKUP_TIMEOUT_S + 15) * 1000);
    const record = err.record!;
    expect(record).toMatchObject({ host: 'a', status: 'failed', compensations: [] });
    expect(record.leftovers.map((l) => l.split(':')[0])).toEqual(['state', 'unmount-ipc', 'release-network', 'unmount-rootfs', 'die event']);
    row('x on a, network step held, SIGKILL of a', `failed ${err.type} (${err.status}) after ${secs(failedAfter)} (heartbeat ${HEARTBEAT_S} s + pickup ${HOST_PICKUP_TIMEOUT_S} s); nothing sent to a after; leftovers for a: ${record.leftovers.map((l) => l.split(':')[0]).join(', ')}`);

    expect(onB.length).toBeGreaterThan(3);
    for (const id of onB) expect((await inspect(session, id)).State.Running).toBe(true);
    row('b meanwhile: create --host b + start, every 2 s', `${onB.length} running, ${secs(Math.min(...bStarts))}–${secs(Math.max(...bStarts))} each`);
    const u = await unpinned;
    unplaced = u.value as string;
    expect(await hostOfId(unplaced)).toBe('b');
    row('create without --host, a down but still counted live', `placed on b after ${secs(u.ms)} (a's status not answered in ${HOST_PICKUP_TIMEOUT_S} s)`);
    const si = await startIdle;
    expect(si.value).toBeInstanceOf(CliError);
    expect([(si.value as CliError).type, (si.value as CliError).status]).toEqual(['HostUnavailable', 503]);
    expect((si.value as CliError).message).toBe(`No such container: ${idleOnA} on the hosts that answered; host a did not answer within 20s (is the worker with CONTAINER_SAGA_HOST=a running?)`);
    row('start of idle-a (on a, not started), a down', `failed HostUnavailable (503) after ${secs(si.ms)}`);
    const ps = await psWhileDown;
    const listed = (ps.value as Array<{ Node?: { Name: string } }>).map((c) => c.Node?.Name);
    expect(listed.length).toBeGreaterThan(0);
    expect(new Set(listed)).toEqual(new Set(['b']));
    row('ps -a, a down but still counted live', `b's ${listed.length} containers only, after ${secs(ps.ms)}`);
  });

  it('past the liveness window host ls shows a down, and placement and ps no longer wait for it', async () => {
    const rows = await until('a shown down', async () => {
      const r = await hostLs(session);
      return r.find((h) => h.name === 'a')?.live === false ? r : undefined;
    }, 120_000, 1000);
    const downAfter = Date.now() - killedAt;
    expect(rows.map((r) => [r.name, r.live, r.status?.running !== undefined])).toEqual([['a', false, false], ['b', true, true]]);
    row('host ls after the kill', `a live=false ${secs(downAfter)} after the kill (window ${HOST_LIVE_WINDOW_MS / 1000} s after its last poll)`);
    const t = Date.now();
    const { Id } = await createOn(session, sleeper());
    const placedMs = Date.now() - t;
    onB.push(Id);
    expect(await hostOfId(Id)).toBe('b');
    const t2 = Date.now();
    const all = await list(session, true);
    const psMs = Date.now() - t2;
    expect(new Set(all.map((c) => c.Node?.Name))).toEqual(new Set(['b']));
    row('create without --host / ps -a, a not live', `placed on b in ${secs(placedMs)}; ps in ${secs(psMs)} (b's only)`);
    const pinned = await createOn(session, sleeper(), 'a').then(() => undefined, (e: unknown) => e);
    expect([(pinned as CliError).type, (pinned as CliError).message]).toEqual(['HostUnavailable', 'host a is unavailable: no worker has polled its queue recently']);
    row('create --host a, a not live', 'refused HostUnavailable (503) at once');
    // a's containers are not asked for any more: not found until a is back
    const t3 = Date.now();
    const gone = await inspect(session, idleOnA).then(() => undefined, (e: unknown) => e);
    expect([(gone as CliError).type, (gone as CliError).status]).toEqual(['NoSuchContainer', 404]);
    row('inspect idle-a, a not live', `NoSuchContainer (404) in ${secs(Date.now() - t3)} (a is not asked)`);
  }, 180_000);

  it("a's worker back on its root: its start-up reconcile releases what x held and restores running-a; b's containers untouched", async () => {
    bHeldBeforeRestart = await held('b');
    const restartAt = Date.now();
    workers.a = await spawnWorker({ ...envs.a, CONTAINER_SAGA_RECONCILE: '1' });
    const reconciled = await until("a's start-up reconcile", async () => /start-up reconcile: (.*)/.exec(workers.a!.output())?.[1], 60_000);
    const took = Date.now() - restartAt;
    expect(reconciled).toMatch(new RegExp(`^released ${x.slice(0, 12)} \\(`));
    expect(reconciled).toContain(`monitoring ${runningOn.a.slice(0, 12)}`);
    expect(await held('a', x)).toEqual([]);
    // the reconcile names no container of b, and b's root holds exactly what it held before a came back
    expect(reconciled).not.toMatch(new RegExp([runningOn.b, unplaced, ...onB].map((id) => id.slice(0, 12)).join('|')));
    expect(await held('b')).toEqual(bHeldBeforeRestart);
    row("a's worker restarted (CONTAINER_SAGA_RECONCILE on)", `reconciled ${secs(took)} after the restart: released x's ${(reconciled.match(/\((.*?)\)/)?.[1] ?? '').split(', ').map((r) => r.split(' ')[0]).join(', ')}; monitor of running-a restored; b untouched`);
    // running-a ran on through the loss (its process does not die with the worker) and is monitored
    expect((await inspect(session, runningOn.a)).State).toMatchObject({ Running: true });
    expect(await monitorStatus(runningOn.a)).toBe('RUNNING');
    expect((await inspect(session, runningOn.b)).State).toMatchObject({ Running: true });
  });

  it('x starts again on a; ps shows both hosts; removing everything leaves both roots clean', async () => {
    await untilLive(session, ['a', 'b']);
    const t = Date.now();
    const again = await startContainer(session, x);
    expect(again).toMatchObject({ status: 'running', host: 'a' });
    row('start of x again, a back', `running on a in ${secs(Date.now() - t)}`);
    const ps = await cli({ address: envs.a.TEMPORAL_ADDRESS!, taskQueue: envs.a.CONTAINER_SAGA_TASK_QUEUE! }, ['ps', '-a']);
    expect(ps.code, ps.stderr).toBe(0);
    table.push(`ps -a once a is back:\n${ps.stdout}`);
    const all = await list(session, true);
    expect(all.filter((c) => c.Node?.Name === 'a').map((c) => c.Id).sort()).toEqual([x, runningOn.a, idleOnA].sort());
    expect(all.filter((c) => c.Node?.Name === 'b').length).toBe(onB.length + 2);
    for (const c of all) await remove(session, c.Id, true);
    expect(await held('a')).toEqual([]);
    expect(await held('b')).toEqual([]);
  });
});

const hostOfId = async (id: string) => (await inspect(session, id)).Node?.Name;
