import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspect, list, remove, startContainer } from '../../client/api';
import { CliError } from '../../client/errors';
import { HOST_LIVE_WINDOW_MS, HOST_PICKUP_TIMEOUT_S } from '../../common/hosts-api';
import { monitorWorkflowId } from '../../common/monitor-api';
import { simulatedRuntime } from '../runtimes';
import { NO_WORKFLOWS_NOTICE } from '../../worker/logger';
import { cli, until } from '../harness';
import { createOn, hostLs, untilLive } from '../hosts-fixture';
import {
  killAAndKeepStartingOnB,
  noticedWithin,
  openHostProcesses,
  releasedKinds,
  restartAWithReconcile,
  secs,
  sleeper,
  startHeldOnA,
  type Host,
  type HostProcesses,
  type Placement,
} from './host-processes';

// A host that goes away, with real worker processes as hosts `a` and `b` (simulated
// driver, their own state roots, one task queue): host a's worker is SIGKILLed while a start of one of its
// containers holds a step. That start must fail within a bounded time — the step's heartbeat timeout, then
// HOST_PICKUP_TIMEOUT_S for its retry that no worker of a takes — with HostUnavailable naming host a,
// recording what it could not compensate, while host b keeps creating and starting containers. When a's
// worker comes back on its root, its start-up reconcile releases what the failed start held and restores the
// monitors of a's running containers; b's containers are never touched. Between the two, what asks host a
// waits the pickup bound for it until a's last poll is older than HOST_LIVE_WINDOW_MS, then a is shown down
// and skipped. The outcome table is printed. (host-loss-linux.test.ts is the same loss with real containers.)

const table: string[] = [];
let p: HostProcesses;
let session: HostProcesses['session'];

beforeAll(async () => {
  p = await openHostProcesses('cs-host-loss', {
    root: async (dir, h) => path.join(dir, `root-${h}`),
    env: () => ({ CONTAINER_SAGA_DRIVER: 'simulated' }),
    driver: (root) => simulatedRuntime(root),
  });
  session = p.session;
}, 120_000);

afterAll(async () => {
  await p?.close('host-loss');
  if (p) await fs.rm(p.dir, { recursive: true, force: true });
  if (table.length > 0) console.log(`host-loss outcome table (case → outcome, timings):\n${table.join('\n')}`);
}, 60_000);

const held = (h: Host, id?: string) => p.held(h, id);
async function monitorStatus(id: string): Promise<string> {
  return (await session.client.workflow.getHandle(monitorWorkflowId(id)).describe()).status.name;
}

const row = (c: string, outcome: string) => table.push(`${c.padEnd(58)} → ${outcome}`);

describe('a host that goes away mid-start (real worker processes, simulated driver)', () => {
  const runningOn = {} as Record<Host, string>;
  const onB: string[] = [];
  const hold = () => path.join(p.roots.a, 'network.release');
  let x: string;
  let idleOnA: string;
  let unplaced: string;
  let killedAt: number;
  let started: Promise<unknown>;
  let placement: Placement;
  let bHeldBeforeRestart: string[];

  it('before the loss: a container runs on each host; x, on a, holds its network step', async () => {
    for (const h of ['a', 'b'] as const) {
      runningOn[h] = (await createOn(session, sleeper({ name: `running-${h}` }), h)).Id;
      await startContainer(session, runningOn[h]);
    }
    idleOnA = (await createOn(session, sleeper({ name: 'idle-a' }), 'a')).Id;
    expect((await held('b')).length).toBeGreaterThan(0);
    // both workers polled both their queues (untilLive) without the SDK's warning for the activities-only one
    for (const h of ['a', 'b'] as const) expect(p.workers[h]!.output()).not.toContain(NO_WORKFLOWS_NOTICE);
    ({ x, started, placement } = await startHeldOnA(p, hold()));
    expect((await held('a', x)).map((r) => r.split(' ')[1])).toEqual(expect.arrayContaining(['mount', 'netns', 'ip']));
  });

  it("SIGKILL of a's worker: x's start fails HostUnavailable naming a within a bound (heartbeat or workflow task timeout, then pickup), leaving what x holds to a; b keeps starting containers", async () => {
    const timed = async (fn: () => Promise<unknown>): Promise<{ value: unknown; ms: number }> => {
      const t = Date.now();
      const value = await fn().catch((e: unknown) => e);
      return { value, ms: Date.now() - t };
    };
    // while a still counts as live (its last poll is recent): what asks a waits the pickup bound for it
    let unpinned!: ReturnType<typeof timed>,
      startIdle!: ReturnType<typeof timed>,
      psWhileDown!: ReturnType<typeof timed>;
    const loss = await killAAndKeepStartingOnB(p, hold(), { x, started, placement }, () => {
      unpinned = timed(async () => (await createOn(session, sleeper())).Id);
      startIdle = timed(() => startContainer(session, idleOnA));
      psWhileDown = timed(() => list(session, true));
    });
    killedAt = loss.killedAt;
    onB.push(...loss.onB);
    const leftovers = loss.failure.record!.leftovers.map((l) => l.split(':')[0]).join(', ');
    row(
      'x on a, network step held, SIGKILL of a',
      `failed ${loss.failure.type} (${loss.failure.status}) after ${secs(loss.failedAfter)} (${placement}: ${noticedWithin(placement)}); nothing sent to a after; leftovers for a: ${leftovers || 'none recorded (the run began again on b)'}`,
    );
    for (const id of onB) expect((await inspect(session, id)).State.Running).toBe(true);
    row(
      'b meanwhile: create --host b + start, every 2 s',
      `${onB.length} running, ${secs(Math.min(...loss.bStarts))}–${secs(Math.max(...loss.bStarts))} each`,
    );
    const u = await unpinned;
    unplaced = u.value as string;
    expect(await hostOfId(unplaced)).toBe('b');
    row(
      'create without --host, a down but still counted live',
      `placed on b after ${secs(u.ms)} (a's status not answered in ${HOST_PICKUP_TIMEOUT_S} s)`,
    );
    const si = await startIdle;
    expect(si.value).toBeInstanceOf(CliError);
    expect([(si.value as CliError).type, (si.value as CliError).status]).toEqual(['HostUnavailable', 503]);
    expect((si.value as CliError).message).toBe(
      `No such container: ${idleOnA} on the hosts that answered; host a did not answer within 20s (is the worker with CONTAINER_SAGA_HOST=a running?)`,
    );
    row('start of idle-a (on a, not started), a down', `failed HostUnavailable (503) after ${secs(si.ms)}`);
    const ps = await psWhileDown;
    const listed = (ps.value as Array<{ Node?: { Name: string } }>).map((c) => c.Node?.Name);
    expect(listed.length).toBeGreaterThan(0);
    expect(new Set(listed)).toEqual(new Set(['b']));
    row('ps -a, a down but still counted live', `b's ${listed.length} containers only, after ${secs(ps.ms)}`);
  });

  it('past the liveness window host ls shows a down, and placement and ps no longer wait for it', async () => {
    const rows = await until(
      'a shown down',
      async () => {
        const r = await hostLs(session);
        return r.find((h) => h.name === 'a')?.live === false ? r : undefined;
      },
      120_000,
      1000,
    );
    const downAfter = Date.now() - killedAt;
    expect(rows.map((r) => [r.name, r.live, r.status?.running !== undefined])).toEqual([
      ['a', false, false],
      ['b', true, true],
    ]);
    row(
      'host ls after the kill',
      `a live=false ${secs(downAfter)} after the kill (window ${HOST_LIVE_WINDOW_MS / 1000} s after its last poll)`,
    );
    const t = Date.now();
    const { Id } = await createOn(session, sleeper());
    const placedMs = Date.now() - t;
    onB.push(Id);
    expect(await hostOfId(Id)).toBe('b');
    const t2 = Date.now();
    const all = await list(session, true);
    const psMs = Date.now() - t2;
    expect(new Set(all.map((c) => c.Node?.Name))).toEqual(new Set(['b']));
    row(
      'create without --host / ps -a, a not live',
      `placed on b in ${secs(placedMs)}; ps in ${secs(psMs)} (b's only)`,
    );
    const pinned = await createOn(session, sleeper(), 'a').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect([(pinned as CliError).type, (pinned as CliError).message]).toEqual([
      'HostUnavailable',
      'host a is unavailable: no worker has polled its queue recently',
    ]);
    row('create --host a, a not live', 'refused HostUnavailable (503) at once');
    // a's containers are not asked for any more: not found until a is back
    const t3 = Date.now();
    const gone = await inspect(session, idleOnA).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect([(gone as CliError).type, (gone as CliError).status]).toEqual(['NoSuchContainer', 404]);
    row('inspect idle-a, a not live', `NoSuchContainer (404) in ${secs(Date.now() - t3)} (a is not asked)`);
  }, 180_000);

  it("a's worker back on its root: its start-up reconcile releases what x held and restores running-a; b's containers untouched", async () => {
    bHeldBeforeRestart = await held('b');
    const { reconciled, took } = await restartAWithReconcile(p);
    expect(reconciled).toMatch(new RegExp(`^released ${x.slice(0, 12)} \\(`));
    expect(reconciled).toContain(`monitoring ${runningOn.a.slice(0, 12)}`);
    expect(await held('a', x)).toEqual([]);
    // the reconcile names no container of b, and b's root holds exactly what it held before a came back
    expect(reconciled).not.toMatch(new RegExp([runningOn.b, unplaced, ...onB].map((id) => id.slice(0, 12)).join('|')));
    expect(await held('b')).toEqual(bHeldBeforeRestart);
    row(
      "a's worker restarted (CONTAINER_SAGA_RECONCILE on)",
      `reconciled ${secs(took)} after the restart: released x's ${releasedKinds(reconciled).join(', ')}; monitor of running-a restored; b untouched`,
    );
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
    const ps = await cli({ address: p.envs.a.TEMPORAL_ADDRESS!, taskQueue: p.envs.a.CONTAINER_SAGA_TASK_QUEUE! }, [
      'ps',
      '-a',
    ]);
    expect(ps.code, ps.stderr).toBe(0);
    table.push(`ps -a once a is back:\n${ps.stdout}`);
    const all = await list(session, true);
    expect(
      all
        .filter((c) => c.Node?.Name === 'a')
        .map((c) => c.Id)
        .sort(),
    ).toEqual([x, runningOn.a, idleOnA].sort());
    expect(all.filter((c) => c.Node?.Name === 'b').length).toBe(onB.length + 2);
    for (const c of all) await remove(session, c.Id, true);
    expect(await held('a')).toEqual([]);
    expect(await held('b')).toEqual([]);
  });
});

const hostOfId = async (id: string) => (await inspect(session, id)).Node?.Name;
