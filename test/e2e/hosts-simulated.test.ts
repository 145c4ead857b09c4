import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { inspect, list, remove, startContainer, stop } from '../../client/api';
import { CliError } from '../../client/errors';
import { hostsWorkflowId, HostsUpdates, hostTaskQueue, type RegisterHostInput } from '../../common/hosts-api';
import { startWorkflowId, WorkflowTypes } from '../../common/names';
import type { ContainerRecord, CreateRequest } from '../../common/types';
import { simulatedRuntime } from '../runtimes';
import { claimStateRoot } from '../../worker/host-root';
import type { containerList } from '../../workflows/ops';
import { cli, startTestWorker, type TestWorker } from '../harness';
import {
  activitiesOf,
  createOn,
  filesMentioning,
  hostActivities,
  hostLs,
  setAvailability,
  untilLive,
  workflowTaskWorkers,
} from '../hosts-fixture';

// Two hosts on one machine, one task queue: in-process workers as hosts `a` and `b`, each with its
// own simulated state root, poll the shared queue and their host queues `<queue>@a`, `<queue>@b`. Placement,
// where each container's records and side effects live, reads across hosts, pinned starts routed to their
// host, joins across hosts refused, drain. Host loss is durability/host-loss.test.ts; the Linux driver's
// two hosts are hosts-linux.test.ts.

const HOSTS = ['a', 'b'] as const;
type Host = (typeof HOSTS)[number];
const workers = {} as Record<Host, TestWorker>;
const roots = {} as Record<Host, string>;
const identity = (h: Host) => `worker-${h}`;
const sleeper = (name: string, more: Partial<CreateRequest> = {}): CreateRequest => ({
  name,
  image: 'busybox',
  cmd: ['sleep', '1000'],
  ...more,
});

beforeAll(async () => {
  const address = inject('temporalAddress');
  for (const h of HOSTS) {
    roots[h] = await fs.mkdtemp(path.join(os.tmpdir(), `cs-hosts-${h}-`));
    await claimStateRoot(roots[h], h); // what worker/main.ts does: a root belongs to one host
    const rt = simulatedRuntime(roots[h], { host: h });
    // b joins a's task queue: one control plane, two hosts
    workers[h] = await startTestWorker(address, rt, {
      identity: identity(h),
      ...(h === 'b' ? { taskQueue: workers.a.taskQueue } : {}),
    });
  }
  await untilLive(workers.a.session, HOSTS);
}, 120_000);

afterAll(async () => {
  for (const h of HOSTS) await workers[h]?.shutdown();
  for (const h of HOSTS) if (roots[h]) await fs.rm(roots[h], { recursive: true, force: true });
});

const s = () => workers.a.session;
const q = () => workers.a.taskQueue;
const hostOf = async (ref: string) => (await inspect(s(), ref)).Node?.Name;

/** Where a container is, by its state roots: the hosts whose root holds its record. */
async function rootsHolding(id: string): Promise<Host[]> {
  const held: Host[] = [];
  for (const h of HOSTS)
    if ((await fs.stat(path.join(roots[h], 'containers', id, 'config.json')).catch(() => undefined))?.isFile())
      held.push(h);
  return held;
}

async function createdAndStarted(name: string, host?: Host, more: Partial<CreateRequest> = {}): Promise<string> {
  const { Id } = await createOn(s(), sleeper(name, more), host);
  await startContainer(s(), Id);
  return Id;
}

describe('two hosts, one task queue (simulated driver)', () => {
  /** every container the tests made and kept, by name: its ID and the host it was placed on (asserted when made) */
  const ids = new Map<string, string>();
  const placed = new Map<string, Host>();
  const keep = async (name: string, id: string, host: Host) => {
    expect(await hostOf(id), name).toBe(host);
    ids.set(name, id);
    placed.set(name, host);
  };

  it('host ls: both hosts registered, live, active, with their driver and counts', async () => {
    const rows = await hostLs(s());
    expect(
      rows.map((r) => [r.name, r.live, r.availability, r.driver, r.status?.running, r.status?.containers]),
    ).toEqual([
      ['a', true, 'active', 'simulated', 0, 0],
      ['b', true, 'active', 'simulated', 0, 0],
    ]);
    for (const r of rows) expect(Date.parse(r.lastSeen!)).toBeGreaterThan(Date.now() - 120_000);
  });

  it('placement spreads containers by the rule: fewest running among live active hosts, ties by name', async () => {
    // created and started one after the other: a (running 0:0, tie → a), b (1:0), a (1:1, tie), b (2:1)
    for (const [name, host] of [
      ['p0', 'a'],
      ['p1', 'b'],
      ['p2', 'a'],
      ['p3', 'b'],
    ] as const)
      await keep(name, await createdAndStarted(name), host);
    // running counts decide, not containers: with 2 running on each, two created-only containers both go to a
    for (const name of ['c0', 'c1']) await keep(name, (await createOn(s(), sleeper(name))).Id, 'a');
    const rows = await hostLs(s());
    expect(rows.map((r) => [r.name, r.status?.running, r.status?.containers])).toEqual([
      ['a', 2, 4],
      ['b', 2, 2],
    ]);
  });

  it("each container's record and side effects are only under its host's state root", async () => {
    for (const [name, id] of ids) {
      const host = placed.get(name)!;
      expect(await rootsHolding(id), name).toEqual([host]);
      const other = HOSTS.find((h) => h !== host)!;
      expect(await filesMentioning(roots[other], id), `${name} in ${other}'s root`).toEqual([]);
      // a running one holds its rootfs, netns, IP and process records in its host's root only
      if (name.startsWith('p')) expect((await filesMentioning(roots[host], id)).length).toBeGreaterThan(2);
    }
  });

  it('ps from either side lists every container with its host (Node.Name)', async () => {
    const want = [...ids].map(([name, id]) => [id, `/${name}`]).sort();
    const check = (all: ContainerRecord[], from: string) => {
      expect(all.map((c) => [c.Id, c.Name]).sort(), from).toEqual(want);
      for (const c of all) expect(c.Node?.Name, `${c.Name} from ${from}`).toBe(placed.get(c.Name.slice(1)));
    };
    check(await list(s(), true), 'the reads workflow');
    // The list workflow, run until each host's worker has run it (any worker of the shared queue may take a
    // workflow task): the answer is the same whichever host asks.
    const seen = new Set<string>();
    for (let i = 0; i < 30 && seen.size < HOSTS.length; i++) {
      const handle = await workers.a.client.workflow.start<typeof containerList>(WorkflowTypes.list, {
        taskQueue: q(),
        workflowId: `hosts-list-${i}-${Date.now()}`,
        args: [{ all: true }],
      });
      check(await handle.result(), `list run ${i}`);
      for (const who of await workflowTaskWorkers(workers.a.client, handle.workflowId)) seen.add(who);
    }
    expect([...seen].sort()).toEqual(HOSTS.map(identity));
    // and the CLI, a client like any other: the records, and the table's HOST column
    const json = await cli(workers.b, ['ps', '-a', '--json']);
    expect(json.code, json.stderr).toBe(0);
    check(JSON.parse(json.stdout) as ContainerRecord[], 'the CLI');
    const table = await cli(workers.a, ['ps', '-a']);
    expect(table.code, table.stderr).toBe(0);
    const [head, ...lines] = table.stdout.trimEnd().split('\n');
    expect(head).toMatch(/NAMES\s+HOST$/);
    expect(lines.map((l) => l.split(/\s+/).slice(-2)).sort()).toEqual(
      [...placed].map(([name, host]) => [name, host]).sort(),
    );
    console.log(`ps -a, two hosts (simulated driver):\n${table.stdout}`);
  });

  it('the CLI: create --host pins, host ls lists both hosts, host drain|activate', async () => {
    const created = await cli(workers.a, ['create', '--host', 'b', '--name', 'cli-pinned', 'busybox', 'sleep', '1000']);
    expect(created.code, created.stderr).toBe(0);
    await keep('cli-pinned', created.stdout.trim(), 'b');
    const refused = await cli(workers.a, ['create', '--host', 'a', '--link', 'cli-pinned', 'busybox', 'true']);
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining('stay on one host')]);
    const ls = await cli(workers.b, ['host', 'ls']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(/^HOST\s+STATUS\s+AVAILABILITY\s+DRIVER\s+RUNNING\s+CONTAINERS\s+LAST SEEN\n/);
    expect(ls.stdout).toMatch(/\na\s+live\s+active\s+simulated\s+2\s+4\s/);
    expect(ls.stdout).toMatch(/\nb\s+live\s+active\s+simulated\s+2\s+3\s/);
    console.log(`host ls, two hosts (simulated driver):\n${ls.stdout}`);
    expect((await cli(workers.a, ['host', 'drain', 'b'])).stdout).toBe('b\n');
    expect((await hostLs(s())).map((r) => [r.name, r.availability])).toEqual([
      ['a', 'active'],
      ['b', 'drain'],
    ]);
    expect((await cli(workers.a, ['host', 'activate', 'b'])).stdout).toBe('b\n');
    expect((await hostLs(s())).map((r) => [r.name, r.availability])).toEqual([
      ['a', 'active'],
      ['b', 'active'],
    ]);
  });

  it('a start pinned to a host runs every host activity there (its host queue, its worker), whichever worker runs the workflow; the other root keeps nothing of it', async () => {
    // Any worker of the shared queue may run the start's workflow task: the owner's (its steps are local
    // activities there) or the other host's (they go to the owner's queue as activities). Starts pinned
    // to b and a in turn until both cases were seen; the first two are kept.
    const cases = new Set<'owner' | 'other'>();
    for (let i = 0; i < 20 && (i < 2 || cases.size < 2); i++) {
      const host: Host = i % 2 === 0 ? 'b' : 'a';
      const name = i < 2 ? `pinned-${host}` : `pinned-${i}`;
      const id = await createdAndStarted(name, host);
      expect(await hostOf(id)).toBe(host);
      const ran = await activitiesOf(workers.a.client, startWorkflowId(id));
      const onHost = hostActivities(ran, q());
      const where = `${name}: ${JSON.stringify(ran)}`;
      // The lookup: the owner's worker reads the record, checks it and claims it with its first look (a local
      // claimHere); another host's worker looks first on its own host (a local claimHere that finds
      // nothing), asks the owner's queue where the container is (locateHere), then reads it there
      // (lookupContainer), and checks and claims it there (verifySettings, claimStart).
      const firstLook = ran.find((a) => a.type === 'claimHere' && a.local);
      const kind = firstLook?.identity === identity(host) ? 'owner' : 'other';
      cases.add(kind);
      expect(kind === 'owner' || onHost.some((a) => a.type === 'lookupContainer'), where).toBe(true);
      // the prepare steps run at once: as local activities (on the owner's worker) their markers come in
      // the order they finished, so that group is compared sorted
      const checksAndClaim = kind === 'owner' ? [] : ['verifySettings', 'claimStart'];
      const steps = onHost.map((a) => a.type).filter((t) => t !== 'locateHere' && t !== 'lookupContainer');
      const c = checksAndClaim.length;
      expect([...steps.slice(0, c), ...steps.slice(c, c + 3).sort(), ...steps.slice(c + 3)], where).toEqual([
        ...checksAndClaim,
        'connectNetwork',
        'mountRootfs',
        'setupIpc',
        'writeSpec',
        'startProcess',
        'markRunning',
      ]);
      for (const a of onHost) {
        if (!a.local) expect(a.taskQueue, `${a.type}: ${where}`).toBe(hostTaskQueue(q(), host));
        expect(a.identity, `${a.type}${a.local ? ' (local)' : ''}: ${where}`).toBe(identity(host));
      }
      // the registry's view is read on the shared queue
      for (const a of ran.filter((r) => r.type === 'liveHosts')) expect(a.taskQueue).toBe(q());
      // when the owner looked, every step is a local activity of its worker (the three prepare steps,
      // spec, process, mark running, which releases the claim; its lookup, checks and claim come with
      // the first look); when another host looked, every step is an activity of the owner's queue
      expect(onHost.filter((a) => a.local).length, where).toBe(kind === 'owner' ? 6 : 0);
      const other = HOSTS.find((h) => h !== host)!;
      expect(await filesMentioning(roots[other], id)).toEqual([]);
      expect(await rootsHolding(id)).toEqual([host]);
      if (i < 2) await keep(name, id, host);
      else await remove(s(), id, true);
    }
    expect([...cases].sort()).toEqual(['other', 'owner']);
  });

  it("links, --network container:X, --ipc container:X and --volumes-from across hosts are refused at create (400); without a pin they go to X's host", async () => {
    // p1 runs on b; a create pinned to a that joins it is refused, and nothing is created anywhere
    const before = (await list(s(), true)).length;
    const joins: Array<[string, Partial<CreateRequest>]> = [
      ['link', { hostConfig: { Links: ['p1:db'] } }],
      ['network', { hostConfig: { NetworkMode: 'container:p1' } }],
      ['ipc', { hostConfig: { IpcMode: 'container:p1' } }],
      ['volumes-from', { hostConfig: { VolumesFrom: ['p1:ro'] } }],
    ];
    for (const [kind, more] of joins) {
      const err = await createOn(s(), sleeper(`join-${kind}`, more), 'a').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, kind).toBeInstanceOf(CliError);
      expect([(err as CliError).type, (err as CliError).status], kind).toEqual(['InvalidParameter', 400]);
      expect((err as CliError).message).toContain('stay on one host');
      expect((err as CliError).message).toContain('p1 on host b');
    }
    // joining containers on two hosts at once cannot be placed anywhere
    const both = await createOn(s(), sleeper('join-both', { hostConfig: { Links: ['p0:x', 'p1:y'] } })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect([(both as CliError).type, (both as CliError).status]).toEqual(['InvalidParameter', 400]);
    expect((both as CliError).message).toContain('containers on different hosts cannot be joined');
    expect((await list(s(), true)).length).toBe(before);
    // unpinned, they go with p1 to b, whatever the running counts say (b runs more than a from the second on)
    for (const [kind, more] of joins)
      await keep(`join-${kind}`, await createdAndStarted(`join-${kind}`, undefined, more), 'b');
    // pinned to the joined container's host is fine too
    await keep(
      'join-pinned-b',
      (await createOn(s(), sleeper('join-pinned-b', { hostConfig: { Links: ['p1:db'] } }), 'b')).Id,
      'b',
    );
  });

  it('a container name is unique across hosts (409), and unknown or down hosts are refused', async () => {
    const dup = await createOn(s(), sleeper('p1'), 'a').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect([(dup as CliError).type, (dup as CliError).status]).toEqual(['Conflict', 409]);
    expect((dup as CliError).message).toContain(`already in use by container "${ids.get('p1')}"`);
    const none = await createOn(s(), sleeper('nowhere'), 'c').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect([(none as CliError).type, (none as CliError).status, (none as CliError).message]).toEqual([
      'NoSuchHost',
      404,
      'No such host: c',
    ]);
  });

  it('host drain stops placements on a host (pinned ones refused, 503); activate takes them again', async () => {
    expect((await setAvailability(s(), 'a', 'drain')).availability).toBe('drain');
    expect((await hostLs(s())).map((r) => [r.name, r.availability])).toEqual([
      ['a', 'drain'],
      ['b', 'active'],
    ]);
    // a runs fewer containers than b now, yet every unpinned create goes to b
    const counts = Object.fromEntries((await hostLs(s())).map((r) => [r.name, r.status?.running]));
    expect(counts.a).toBeLessThan(counts.b!);
    for (const name of ['d0', 'd1', 'd2']) await keep(name, (await createOn(s(), sleeper(name))).Id, 'b');
    const pinned = await createOn(s(), sleeper('d-pinned'), 'a').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect([(pinned as CliError).type, (pinned as CliError).status]).toEqual(['HostUnavailable', 503]);
    expect((pinned as CliError).message).toContain('host a is drained');
    // the drained host's own containers still work: stop, start and inspect go to it
    await stop(s(), 'p0', 1);
    expect((await inspect(s(), 'p0')).State.Running).toBe(false);
    await startContainer(s(), 'p0');
    expect((await inspect(s(), 'p0')).State).toMatchObject({ Running: true });
    expect((await setAvailability(s(), 'a', 'active')).availability).toBe('active');
    await keep('after-activate', (await createOn(s(), sleeper('after-activate'))).Id, 'a');
    const refused = await setAvailability(s(), 'nosuch', 'drain').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((refused as CliError).message).toContain('No such host: nosuch');
  });

  it('stop and rm go to the owner: its root releases everything, the other root is never touched', async () => {
    const otherBefore = await filesMentioning(roots.a, ids.get('p1')!);
    expect(otherBefore).toEqual([]);
    for (const name of ['p1', 'p0']) {
      const id = ids.get(name)!;
      const host = placed.get(name)!;
      await remove(s(), name, true);
      ids.delete(name);
      placed.delete(name);
      expect(await rootsHolding(id)).toEqual([]);
      // what remains of it is its host's events log and log archive, never anything on the other host
      expect(await filesMentioning(roots[HOSTS.find((h) => h !== host)!], id)).toEqual([]);
      const left = (await filesMentioning(roots[host], id)).filter((f) => !/^events\.jsonl$|^removed-logs/.test(f));
      expect(left, `${name} on ${host}`).toEqual([]);
    }
    const gone = await inspect(s(), 'p1').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect([(gone as CliError).type, (gone as CliError).status]).toEqual(['NoSuchContainer', 404]);
  });

  it('host rm: forgets a host that is down; a live one only with --force, and only until its worker registers it again', async () => {
    // what a worker does at its start-up: register its host (here one whose worker never polls: down)
    const register = (name: string) =>
      workers.a.client.workflow
        .getHandle(hostsWorkflowId(q()))
        .executeUpdate<unknown, [RegisterHostInput]>(HostsUpdates.register, { args: [{ name, driver: 'simulated' }] });
    await register('gone');
    expect((await hostLs(s())).map((r) => [r.name, r.live])).toEqual([
      ['a', true],
      ['b', true],
      ['gone', false],
    ]);
    const live = await cli(workers.a, ['host', 'rm', 'a']);
    expect([live.code, live.stdout]).toEqual([1, '']);
    expect(live.stderr).toBe(
      "Error response from daemon: host a is not down and can't be removed (stop its worker first, or use --force)\nError: failed to remove hosts: a\n",
    );
    const down = await cli(workers.a, ['host', 'rm', 'gone']);
    expect([down.code, down.stdout, down.stderr]).toEqual([0, 'gone\n', '']);
    expect((await hostLs(s())).map((r) => r.name)).toEqual(['a', 'b']);
    const again = await cli(workers.a, ['host', 'rm', 'gone', 'nosuch']);
    expect([again.code, again.stderr]).toEqual([
      1,
      'Error response from daemon: No such host: gone\nError response from daemon: No such host: nosuch\nError: failed to remove hosts: gone, nosuch\n',
    ]);
    // forced: b is forgotten though its worker runs, so ps no longer asks it, until b registers again
    const onB = (await list(s(), true))
      .filter((c) => c.Node?.Name === 'b')
      .map((c) => c.Id)
      .sort();
    expect(onB.length).toBeGreaterThan(0);
    const forced = await cli(workers.a, ['host', 'rm', '--force', 'b']);
    expect([forced.code, forced.stdout]).toEqual([0, 'b\n']);
    expect((await hostLs(s())).map((r) => r.name)).toEqual(['a']);
    expect((await list(s(), true)).filter((c) => c.Node?.Name === 'b')).toEqual([]);
    await register('b');
    expect((await hostLs(s())).map((r) => [r.name, r.live])).toEqual([
      ['a', true],
      ['b', true],
    ]);
    expect(
      (await list(s(), true))
        .filter((c) => c.Node?.Name === 'b')
        .map((c) => c.Id)
        .sort(),
    ).toEqual(onB);
  });
});
