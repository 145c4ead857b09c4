/**
 * Idempotency of every activity of the start saga, as a unit test (no workflow, no worker): each activity runs
 * in a MockActivityEnvironment bound to a driver, twice with the same input, and the state after the second
 * run must be the state after the first. Each compensation runs twice the same way, must free its step's
 * resources, and must also succeed, changing nothing, on a fresh container where its step never ran.
 *
 * Both drivers: the simulated one on a temp state root, and the Linux one for real (root: overlay mounts,
 * netns + CNI bridge, runc) on its own state root under /tmp with its own host-side netns, bridge and subnet.
 * Without root (or the driver's prerequisites) every Linux test FAILS with the reason; none is skipped.
 *
 * "State" (snapshot below) is everything the test can observe of a container and the state root:
 *  - the container record, minus State.StartedAt and State.FinishedAt: markRunning and markFailed stamp the
 *    time of the call, so a repeat legitimately moves them (all other fields must be equal);
 *  - the container's events (action + attributes, not their time);
 *  - heldResources() of the container;
 *  - every file under the state root (type, mode, sha256 of the content, symlink target), except the record
 *    file (compared as a record, above), events.jsonl (above), transient lock files, and on Linux the contents
 *    of the overlay rootfs mount point (its writable layer, upper/, is compared instead);
 *  - Linux only: leaksOf(root, id) (adds a live pid and cgroups), every mount under the root from
 *    /proc/self/mountinfo with its mount ID (an unmount + remount would change it), the inode of the
 *    container's netns (a deleted and recreated namespace would change it);
 *  - the process: pid (and, on Linux, its start time and shim) from the driver's process record.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHostActivities } from '../../activities/hosts';
import { createStartActivities, type StartActivities } from '../../activities/start-steps';
import { daemonEnv, linkEnv, linkHostsEntries, type LinkTarget } from '../../common/env';
import type { ContainerSnapshot } from '../../common/start-api';
import { RELEASE_ORDER, stepOfRelease } from '../../common/steps';
import type { ContainerRecord, CreateRequest, StartOwner } from '../../common/types';
import type { HostRuntime } from '../../runtime/host-runtime';
import { LinuxRuntime } from '../../runtime/linux-runtime';
import { netnsName, netnsPath } from '../../runtime/drivers/layout';
import { mountsUnder, readMountInfo } from '../../runtime/drivers/linux/mountinfo';
import { leaksOf } from '../../runtime/drivers/linux/probe';
import { isLive } from '../../runtime/drivers/linux/shim';
import { simulatedRuntime } from '../runtimes';
import {
  closeLinuxRuntime,
  expectNothingLeft,
  linuxUnavailable,
  openLinuxRuntime,
  testNetwork,
} from '../linux-fixture';

const NET = testNetwork('durability/activity-idempotency');
const T = 45_000;

/** The workflow run the activities work for: every claim in this file is by this one owner. */
const OWNER: StartOwner = { workflowId: 'activity-idempotency-test', runId: '11111111-2222-3333-4444-555555555555' };
/** The hostConfig passed at start (legacy API) by setHostConfig: a non-default /dev/shm size. */
const START_SHM = 16 * 1024 * 1024;

// --- snapshots ------------------------------------------------------------------------------------------------

interface Snapshot {
  record: unknown;
  events: string[];
  held: string[];
  files: Record<string, string>;
  leaks: string[];
  mounts: string[];
  netns: number | null;
  process: unknown;
}

/** Every file and directory under dir: relative path → type, mode, content hash or link target. */
async function tree(
  dir: string,
  skip: (rel: string) => boolean,
  noDescend: (rel: string) => boolean,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    const names = (await fs.readdir(path.join(dir, rel)).catch(() => [] as string[])).sort();
    for (const name of names) {
      const r = rel === '' ? name : `${rel}/${name}`;
      if (skip(r)) continue;
      const abs = path.join(dir, r);
      const st = await fs.lstat(abs).catch(() => undefined);
      if (!st) continue;
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out[r] = `dir ${mode}`;
        if (!noDescend(r)) await walk(r);
      } else if (st.isSymbolicLink()) {
        out[r] = `symlink -> ${await fs.readlink(abs)}`;
      } else if (st.isFile()) {
        out[r] = `file ${mode} ${createHash('sha256')
          .update(await fs.readFile(abs))
          .digest('hex')}`;
      } else {
        out[r] = `special ${mode}`;
      }
    }
  };
  await walk('');
  return out;
}

const ID = '[0-9a-f]{64}';
const SKIP = new RegExp(`^(events\\.jsonl|containers/${ID}/(config\\.json|\\.lock|\\.claim))$`);
const LINUX_ROOTFS = new RegExp(`^containers/${ID}/rootfs$`);

function recordWithoutTimes(rec: ContainerRecord | undefined): unknown {
  if (!rec) return null;
  const copy = structuredClone(rec);
  // Legitimately moved by a repeat: the time of the markRunning / markFailed call.
  delete (copy.State as Partial<ContainerRecord['State']>).StartedAt;
  delete (copy.State as Partial<ContainerRecord['State']>).FinishedAt;
  return copy;
}

// --- one driver under test --------------------------------------------------------------------------------------

interface Harness {
  kind: 'simulated' | 'linux';
  rt: HostRuntime;
  acts: StartActivities;
  /** the host-level ones: claimHere (the start's first look with its checks and claim) */
  hostActs: Pick<ReturnType<typeof createHostActivities>, 'claimHere'>;
  env: MockActivityEnvironment;
  root: string;
  bindSource: string;
  created: string[];
  nextVolume: number;
}

/** Runs an activity in the mock activity context (the saga's owner in its info). */
function call<A extends unknown[], R>(h: Harness, fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return h.env.run(fn as (...a: unknown[]) => Promise<R>, ...args) as Promise<R>;
}

async function snapshot(h: Harness, id: string): Promise<Snapshot> {
  const rec = await h.rt.store.read(id);
  const events = (await h.rt.events(0)).events
    .filter((e) => e.id === id)
    .map((e) => `${e.action}${e.attributes ? ` ${JSON.stringify(e.attributes)}` : ''}`);
  const held = (await h.rt.heldResources())
    .filter((r) => r.containerId === id)
    .map((r) => `${r.kind} ${r.detail}`)
    .sort();
  const linux = h.kind === 'linux';
  const files = await tree(
    h.root,
    (r) => SKIP.test(r),
    (r) => linux && LINUX_ROOTFS.test(r),
  );
  if (!linux) {
    const proc = await fs.readFile(path.join(h.root, 'sim', 'processes', `${id}.json`), 'utf8').catch(() => undefined);
    return {
      record: recordWithoutTimes(rec),
      events,
      held,
      files,
      leaks: [],
      mounts: [],
      netns: null,
      process: proc ? JSON.parse(proc) : null,
    };
  }
  const execRec = await fs.readFile(path.join(h.root, 'containers', id, 'exec.json'), 'utf8').catch(() => undefined);
  const pidFile = await fs.readFile(path.join(h.root, 'containers', id, 'pid'), 'utf8').catch(() => undefined);
  const ns = await fs.stat(netnsPath(netnsName(id))).catch(() => undefined);
  return {
    record: recordWithoutTimes(rec),
    events,
    held,
    files,
    leaks: (await leaksOf(h.root, id)).sort(),
    mounts: mountsUnder(await readMountInfo(), h.root).map(
      (m) => `${m.id} ${m.fsType} ${m.mountPoint} ${m.superOptions}`,
    ),
    netns: ns ? ns.ino : null,
    process: execRec ? { exec: JSON.parse(execRec) as unknown, pidFile: pidFile?.trim() ?? null } : null,
  };
}

/**
 * A container using every step: bridge network with a published port, a link, a working dir, private IPC, a
 * volume, a bind, a tmpfs.
 */
async function createContainer(h: Harness, req: Partial<CreateRequest> = {}): Promise<string> {
  const rec = await h.rt.create({
    image: 'busybox',
    cmd: ['sleep', '300'],
    workingDir: '/w/sub',
    env: ['IDEM=1'],
    hostConfig: {
      Binds: [`idem-vol-${h.nextVolume++}:/data`, `${h.bindSource}:/hostdir:ro`],
      Tmpfs: { '/scratch': 'size=1m' },
      Links: ['idem-db:db'],
      PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
    },
    ...req,
  });
  h.created.push(rec.Id);
  return rec.Id;
}

// --- the saga's steps, in order ----------------------------------------------------------------------------------

/** What earlier steps handed to later ones (as the workflow keeps it). */
interface Progress {
  snap?: ContainerSnapshot;
  links: LinkTarget[];
  pid?: number;
}

type StepName =
  | 'lookupContainer'
  | 'hostInfo'
  | 'setHostConfig'
  | 'verifySettings'
  | 'claimStart'
  | 'mountRootfs'
  | 'connectNetwork'
  | 'linkedContainers'
  | 'setupWorkingDir'
  | 'writeSpec'
  | 'setupIpc'
  | 'mountVolumes'
  | 'startProcess'
  | 'markRunning';

function specInput(id: string, p: Progress): { id: string; env: string[]; extraHosts: string[] } {
  const s = p.snap!;
  const env = daemonEnv({
    hostname: s.hostname,
    tty: s.tty,
    linkedEnv: p.links.flatMap((t) => linkEnv(s.name, t)),
    userEnv: s.env,
  });
  return { id, env, extraHosts: linkHostsEntries(p.links) };
}

/** Each step as the workflow calls it (workflows/container-start.ts), with the same input on every call. */
const SAGA: Array<[StepName, (h: Harness, id: string, p: Progress) => Promise<unknown>]> = [
  ['lookupContainer', async (h, id, p) => (p.snap = await call(h, h.acts.lookupContainer, { container: id }))],
  ['hostInfo', (h) => call(h, h.acts.hostInfo)],
  ['setHostConfig', (h, id) => call(h, h.acts.setHostConfig, { id, hostConfig: { ShmSize: START_SHM } })],
  ['verifySettings', (h, id) => call(h, h.acts.verifySettings, { id })],
  ['claimStart', async (h, id, p) => (p.snap = await call(h, h.acts.claimStart, { id }))],
  // run at once by the saga; in this order here
  ['mountRootfs', (h, id) => call(h, h.acts.mountRootfs, { id })],
  ['connectNetwork', (h, id) => call(h, h.acts.connectNetwork, { id })],
  ['setupIpc', (h, id) => call(h, h.acts.setupIpc, { id })],
  ['mountVolumes', (h, id) => call(h, h.acts.mountVolumes, { id })],
  ['linkedContainers', async (h, id, p) => (p.links = await call(h, h.acts.linkedContainers, { id }))],
  ['setupWorkingDir', (h, id) => call(h, h.acts.setupWorkingDir, { id })],
  ['writeSpec', (h, id, p) => call(h, h.acts.writeSpec, specInput(id, p))],
  [
    'startProcess',
    async (h, id, p) => {
      const r = await call(h, h.acts.startProcess, { id });
      p.pid = r.pid;
      return r;
    },
  ],
  // mark-running also releases the start's claim
  ['markRunning', (h, id, p) => call(h, h.acts.markRunning, { id, pid: p.pid!, releaseClaim: true })],
];

/** Runs the saga's steps once, up to (not including) `before`. */
async function runUpTo(h: Harness, id: string, before: StepName | 'end'): Promise<Progress> {
  const p: Progress = { links: [] };
  for (const [name, run] of SAGA) {
    if (name === before) return p;
    await run(h, id, p);
  }
  if (before !== 'end') throw new Error(`no step ${before}`);
  return p;
}

/**
 * The compensations in the order the saga runs them: the host steps' release activities in the table's
 * reverse (RELEASE_ORDER), then the claim's release (a record step, not in the table).
 */
const COMPENSATIONS: Array<[string, (h: Harness, id: string) => Promise<unknown>]> = [
  ...RELEASE_ORDER.map((release) => stepOfRelease(release).releaseActivity),
  'releaseStart' as const,
].map((name) => [name, (h, id) => call(h, h.acts[name], { id })]);
const compensation = (name: string) => COMPENSATIONS.find(([n]) => n === name)![1];

const FAIL_ERROR = 'exec: "sleep": simulated start failure';
const FAIL_EXIT = 127;

// --- the table: one row per activity ------------------------------------------------------------------------------

interface Row {
  /** the activity under test */
  step: string;
  /** brings a fresh container to the state just before the step (its earlier activities, once each) */
  prepare: (h: Harness, id: string) => Promise<Progress>;
  run: (h: Harness, id: string, p: Progress) => Promise<unknown>;
  /** true for an activity without side effects: its state must equal the state before it */
  readOnly?: boolean;
  /** what the step visibly did, checked after its first run (so the row tests something) */
  did?: (s: Snapshot, id: string) => void;
  /** its compensation, and the step's resources that the compensation must free */
  undo?: { name: string; resources: (s: Snapshot) => string[] };
}

const stepRun = (name: StepName) => SAGA.find(([n]) => n === name)![1];
const heldMatching = (re: RegExp) => (s: Snapshot) => s.held.filter((l) => re.test(l));
const rec = (s: Snapshot) => s.record as ContainerRecord;
const volumeOf = (s: Snapshot) => rec(s).HostConfig.Binds[0]!.split(':')[0]!;

/**
 * The row of a saga step: its earlier steps once each bring a fresh container to it, then it runs as the saga calls it.
 */
const sagaRow = (step: StepName, rest: Omit<Row, 'step' | 'prepare' | 'run'> = {}): Row => ({
  step,
  prepare: (h, id) => runUpTo(h, id, step),
  run: stepRun(step),
  ...rest,
});
/** A step that holds exactly one resource matching `re`, which its compensation `release` frees. */
const holdsOne = (release: string, re: RegExp): Pick<Row, 'did' | 'undo'> => ({
  did: (s) => expect(heldMatching(re)(s)).toHaveLength(1),
  undo: { name: release, resources: heldMatching(re) },
});

const ROWS: Row[] = [
  sagaRow('lookupContainer', { readOnly: true }),
  sagaRow('hostInfo', { readOnly: true }),
  sagaRow('setHostConfig', { did: (s) => expect(rec(s).HostConfig.ShmSize).toBe(START_SHM) }),
  sagaRow('verifySettings', { readOnly: true }),
  sagaRow('claimStart', {
    did: (s) => expect(rec(s).StartingBy).toEqual(OWNER),
    undo: {
      name: 'releaseStart',
      resources: (s) => (rec(s).StartingBy ? [`claim ${JSON.stringify(rec(s).StartingBy)}`] : []),
    },
  }),
  sagaRow('mountRootfs', holdsOne('unmountRootfs', /^mount .*\/rootfs$/)),
  sagaRow('connectNetwork', {
    did: (s) => {
      expect(heldMatching(/^netns /)(s)).toHaveLength(1);
      expect(heldMatching(/^ip /)(s)).toHaveLength(1);
      expect(rec(s).NetworkSettings.IPAddress).not.toBe('');
    },
    undo: {
      name: 'releaseNetwork',
      resources: (s) => [
        ...heldMatching(/^(netns|ip) /)(s),
        ...(rec(s).NetworkSettings.SandboxKey ? [`record ${JSON.stringify(rec(s).NetworkSettings)}`] : []),
      ],
    },
  }),
  sagaRow('linkedContainers', { readOnly: true }),
  sagaRow('setupWorkingDir', {
    did: (s, id) =>
      expect(
        Object.keys(s.files).filter((f) => f.startsWith(`containers/${id}/`) && /\/(upper|rootfs)\/w\/sub$/.test(f)),
      ).toHaveLength(1),
  }),
  sagaRow('writeSpec', holdsOne('removeSpec', /^bundle /)),
  sagaRow('setupIpc', holdsOne('releaseIpc', /^mount .*\/shm$/)),
  sagaRow('mountVolumes', {
    // The named volume is made at create and persists (it is not a resource of the start). The
    // simulated driver records its mounts; the Linux one has runc mount them inside the container, so on
    // Linux the step holds nothing on the host.
    did: (s) => expect(s.files[`volumes/${volumeOf(s)}/_data`]).toMatch(/^dir /),
    undo: { name: 'unmountVolumes', resources: heldMatching(/^mount volume /) },
  }),
  sagaRow('startProcess', {
    did: (s) => {
      expect(heldMatching(/^process /)(s)).toHaveLength(1);
      expect(s.process).not.toBeNull();
    },
    undo: {
      name: 'unregisterProcess',
      resources: (s) => [
        ...heldMatching(/^(process|runc) /)(s),
        ...s.leaks.filter((l) => /^(process|runc|cgroup)/.test(l)),
        ...(s.process ? [`process record ${JSON.stringify(s.process)}`] : []),
      ],
    },
  }),
  // lookup, check-state, verify-settings and the claim in one call, where the saga's workflow task runs
  {
    step: 'claimHere',
    prepare: async () => ({ links: [] }),
    run: async (h, id, p) => {
      const r = await call(h, h.hostActs.claimHere, { container: id });
      if (r.claim && 'claimed' in r.claim) p.snap = r.claim.claimed;
      return r;
    },
    did: (s) => expect(rec(s).StartingBy).toEqual(OWNER),
    undo: {
      name: 'releaseStart',
      resources: (s) => (rec(s).StartingBy ? [`claim ${JSON.stringify(rec(s).StartingBy)}`] : []),
    },
  },
  sagaRow('markRunning', {
    did: (s) => {
      expect(rec(s).State).toMatchObject({ Status: 'running', Running: true });
      expect(rec(s).StartingBy).toBeUndefined();
    },
  }),
  // The failure path: a start that failed at its process step, before its side effect.
  {
    step: 'markFailed',
    prepare: (h, id) => runUpTo(h, id, 'startProcess'),
    run: (h, id) => call(h, h.acts.markFailed, { id, error: FAIL_ERROR, exitCode: FAIL_EXIT }),
    did: (s) =>
      expect(rec(s).State).toMatchObject({
        Status: 'created',
        Running: false,
        Pid: 0,
        Error: FAIL_ERROR,
        ExitCode: FAIL_EXIT,
      }),
  },
  {
    step: 'finishFailed',
    prepare: async (h, id) => {
      const p = await runUpTo(h, id, 'startProcess');
      await call(h, h.acts.markFailed, { id, error: FAIL_ERROR, exitCode: FAIL_EXIT });
      for (const [name, release] of COMPENSATIONS) if (name !== 'releaseStart') await release(h, id);
      return p;
    },
    run: (h, id) => call(h, h.acts.finishFailed, { id, leftovers: [], exitCode: FAIL_EXIT }),
    did: (s) => expect(s.events.filter((e) => e.startsWith('die'))).toHaveLength(1),
  },
];

// --- the tests, for each driver -----------------------------------------------------------------------------------

function newEnv(): MockActivityEnvironment {
  return new MockActivityEnvironment({ workflowExecution: OWNER }, { logger: new DefaultLogger('ERROR') });
}

function harnessOf(kind: Harness['kind'], rt: Harness['rt']): Harness {
  return {
    kind,
    rt,
    acts: createStartActivities(rt),
    hostActs: createHostActivities(rt),
    env: newEnv(),
    root: rt.root,
    bindSource: path.join(rt.root, 'bind-source'),
    created: [],
    nextVolume: 0,
  };
}

/** The link target every test container links to (idem-db:db): a running container, started through the saga. */
async function startLinkTarget(h: Harness): Promise<void> {
  const id = await createContainer(h, {
    name: 'idem-db',
    exposedPorts: ['5432'],
    env: ['POSTGRES_DB=app'],
    workingDir: '',
    hostConfig: {},
  });
  await runUpTo(h, id, 'end');
}

/** Releases (the compensations, in the saga's order) then a forced remove, for every container of the run. */
async function cleanUp(h: Harness): Promise<string[]> {
  const errors: string[] = [];
  for (const id of [...h.created].reverse()) {
    if (!(await h.rt.store.read(id))) continue;
    try {
      for (const [, release] of COMPENSATIONS) await release(h, id);
      await h.rt.remove(id, true);
    } catch (err) {
      errors.push(`${id.slice(0, 12)}: ${(err as Error).message}`);
    }
  }
  return errors;
}

function driverSuite(
  kind: Harness['kind'],
  setUp: () => Promise<Harness | string>,
  tearDown: (h: Harness) => Promise<void>,
): void {
  describe(`${kind} driver`, () => {
    let harness: Harness | undefined;
    let unavailable: string | undefined;

    beforeAll(async () => {
      const r = await setUp();
      if (typeof r === 'string') unavailable = r;
      else {
        harness = r;
        await fs.mkdir(r.bindSource, { recursive: true });
        await fs.writeFile(path.join(r.bindSource, 'hello.txt'), 'from the host\n');
        await startLinkTarget(r);
      }
    }, T);

    afterAll(async () => {
      if (harness) await tearDown(harness);
    }, T);

    /** Fails (never skips) when the driver cannot run here. */
    const test = (name: string, fn: (h: Harness) => Promise<void>) =>
      it(
        name,
        async () => {
          if (unavailable) throw new Error(unavailable);
          if (!harness) throw new Error(`the ${kind} driver was not set up (see beforeAll)`);
          await fn(harness);
        },
        T,
      );

    for (const row of ROWS) {
      const title = row.undo
        ? `${row.step} twice = once; ${row.undo.name} twice = once and frees what ${row.step} holds`
        : row.readOnly
          ? `${row.step} twice = once = nothing changed`
          : `${row.step} twice = once`;
      test(title, async (h) => {
        const id = await createContainer(h);
        const p = await row.prepare(h, id);
        const before = await snapshot(h, id);
        const r1 = await row.run(h, id, p);
        const a = await snapshot(h, id);
        const r2 = await row.run(h, id, p);
        const b = await snapshot(h, id);
        // soft: a difference is reported, and the rest of the row (its compensation) still runs
        expect.soft(r2, `${row.step}: the second run returns what the first did`).toEqual(r1);
        expect.soft(b, `${row.step}: the state after a second run is the state after one`).toEqual(a);
        if (row.readOnly) expect(a, `${row.step} changes nothing`).toEqual(before);
        row.did?.(a, id);
        if (row.step === 'startProcess') {
          // adopted, not a second process: the same pid (alive, and the container's only process, on Linux)
          const pid = (r1 as { pid: number }).pid;
          expect((r2 as { pid: number }).pid, 'startProcess again adopts the process: the same pid').toBe(pid);
        }
        if (row.step === 'startProcess' && kind === 'linux') {
          const pid = (r1 as { pid: number }).pid;
          expect(await isLive(pid)).toBe(true);
          expect(a.held.filter((l) => l.startsWith('process ') || l.startsWith('runc '))).toHaveLength(2);
        }
        if (!row.undo) return;

        const undo = compensation(row.undo.name);
        await undo(h, id);
        const c = await snapshot(h, id);
        await undo(h, id);
        const d = await snapshot(h, id);
        expect.soft(d, `${row.undo.name}: the state after a second run is the state after one`).toEqual(c);
        expect(row.undo.resources(c), `${row.undo.name} frees what ${row.step} holds`).toEqual([]);
        // Nothing held before the step is touched, and what the step held is gone: held resources, leaks,
        // mounts, netns and the record are back to what they were before the step. (Files may differ: an
        // overlay's upper/work dirs, the container's log and exit status stay until the container is removed.)
        const { files: _cf, events: _ce, ...cHeld } = c;
        const { files: _bf, events: _be, ...beforeHeld } = before;
        expect(cHeld, `${row.undo.name} restores what ${row.step} changed`).toEqual(beforeHeld);
        expect(c.events, `${row.undo.name} emits no event`).toEqual(b.events);
        if (row.step === 'startProcess' && kind === 'linux')
          expect(await isLive((r1 as { pid: number }).pid)).toBe(false);
      });

      if (row.undo) {
        const undoName = row.undo.name;
        test(`${undoName} where ${row.step} never ran succeeds and changes nothing`, async (h) => {
          const id = await createContainer(h);
          await row.prepare(h, id);
          const before = await snapshot(h, id);
          await compensation(undoName)(h, id);
          expect(await snapshot(h, id), `${undoName} without ${row.step}`).toEqual(before);
          await compensation(undoName)(h, id);
          expect(await snapshot(h, id), `${undoName} twice without ${row.step}`).toEqual(before);
        });
      }
    }

    test('every compensation on a container where nothing ran succeeds and changes nothing', async (h) => {
      const id = await createContainer(h);
      const before = await snapshot(h, id);
      for (const [name, release] of COMPENSATIONS) {
        await release(h, id);
        expect(await snapshot(h, id), `${name} on a container only created`).toEqual(before);
      }
    });
  });
}

// --- simulated --------------------------------------------------------------------------------------------------

driverSuite(
  'simulated',
  async () => harnessOf('simulated', simulatedRuntime(await fs.mkdtemp(path.join(os.tmpdir(), 'cs-idem-sim-')))),
  async (h) => {
    const errors = await cleanUp(h);
    const held = await h.rt.heldResources();
    if (errors.length === 0 && held.length === 0) await fs.rm(h.root, { recursive: true, force: true });
    expect(errors).toEqual([]);
    expect(held).toEqual([]);
  },
);

// --- Linux (root) ------------------------------------------------------------------------------------------------

driverSuite(
  'linux',
  async () => (await linuxUnavailable()) ?? harnessOf('linux', await openLinuxRuntime('cs-idem-linux', NET)),
  async (h) => {
    const errors = await cleanUp(h);
    const left = await closeLinuxRuntime(h.rt as LinuxRuntime, NET.hostNetns, h.created);
    expect(errors).toEqual([]);
    expectNothingLeft(left);
  },
);
