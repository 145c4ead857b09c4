/**
 * Records the committed replay histories of this release (test/histories/<package version>/) from real runs: a dev
 * server (or the one at TEMPORAL_ADDRESS), an in-process worker with the simulated driver in a temp state root, and the
 * same client calls the CLI makes. That worker is host `a`; host `b` (later `c`) is an activity-only worker of its host
 * queue, so creates are placed among hosts and b's starts run their steps there. The previous release's folder stays
 * committed: replaying it proves a change is patched correctly (docs/design.md, "Versioning"). Payloads are encrypted
 * with the committed test key (test/fixtures/codec-test-keys.json), as every test client's are: the replay test decodes
 * them with it. `npm run record-histories -- NAME…` records only the named start scenarios (the monitor and verb groups
 * are recorded whole when one of theirs is named).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { imageList, inspect, list, logsPage, readEvents } from '../client/api';
import type { Session } from '../client/connection';
import { read } from '../client/reads';
import { codecDataConverter } from '../codec/load';
import { HostsUpdates, hostsWorkflowId, hostTaskQueue } from '../common/hosts-api';
import { monitorWorkflowId } from '../common/monitor-api';
import { execWorkflowId, readsWorkflowId, startWorkflowId, WorkflowTypes } from '../common/names';
import { getConfig, isSet } from '../config';
import type { ContainerStartInput } from '../common/start-api';
import type { CreateRequest } from '../common/types';
import { createMetadata } from '../common/workflow-metadata';
import { FAULT_LABEL } from '../runtime/faults';
import { SimulatedRuntime } from '../runtime/simulated-runtime';
import type { containerStart } from '../workflows/container-start';
import type { containerWait } from '../workflows/lifecycle';
import type { containerExec } from '../workflows/verbs';
import type { containerMonitor } from '../workflows/monitor';
import type { containerCreate } from '../workflows/ops';
import type { containerReads } from '../workflows/reads';
import { createWorker, withFaults } from '../worker/create';
import { registerHost } from '../worker/host-worker';
import { startDevServer } from './dev-server';
import { temporalCliPath } from './temporal-paths';

/** Histories are kept per release (test/histories/<package version>/). */
const RELEASE = (JSON.parse(readFileSync(path.resolve(__dirname, '../package.json'), 'utf8')) as { version: string })
  .version;
const OUT = path.resolve(__dirname, '../test/histories', RELEASE);
const TEST_KEYS = path.resolve(__dirname, '../test/fixtures/codec-test-keys.json');
/** the histories named on the command line, else all */
const ONLY = process.argv.slice(2);
const wanted = (name: string) => ONLY.length === 0 || ONLY.includes(name);

interface Scenario {
  name: string;
  /** the ref the start is given, when not the created container's ID (a container that does not exist) */
  ref?: string;
  /** the container's working directory (the working-dir step has something to do) */
  workingDir?: string;
  /** run --rm: a failed start removes the container */
  autoRemove?: boolean;
  /** what to do between the create and the start (start it already, hold another start of it) */
  before?: (ctx: { id: string; hold: string; startOnce(): Promise<void>; startHeld(): Promise<void> }) => Promise<void>;
  /** the container's environment (a secret the encrypted history must not show) */
  env?: string[];
  /** give the container a named volume (else the volumes step has nothing to do) */
  volume?: boolean;
  faults?: (holdFile: string) => string;
  /** more of the start's input (a legacy hostConfig) */
  input?: Omit<ContainerStartInput, 'container'>;
  /** what to do while the start runs (cancel it, signal it, release a hold…) */
  during?: (ctx: {
    cancel(): Promise<void>;
    signal(): Promise<void>;
    release(): Promise<void>;
    waitForStep(step: string): Promise<void>;
  }) => Promise<void>;
  /** the start's first workflow task comes this late (a cancel request can be in history before it) */
  startDelay?: Duration;
}

/**
 * A request sent while a local step is held, then the step let go: the server has the request once it has
 * answered it, so it refuses the task's completion, and the retried task adopts the start as succeeded (the
 * host's record says this run started it: docs/design.md, "Lost local-activity results").
 */
const sentDuringTask = (name: string, step: string, send: 'cancel' | 'signal'): Scenario => ({
  name,
  faults: (hold) => `${step}=hold:${hold}`,
  during: async (ctx) => {
    await ctx.waitForStep(step);
    await ctx[send]();
    await ctx.release();
  },
});

/** A permanent failure at each host step: every compensation pushed so far runs, the error is recorded. */
const FAILURES: Scenario[] = [
  { name: 'start-failure-mount-rootfs', faults: () => 'mount-rootfs=fail' },
  { name: 'start-failure-network', faults: () => 'network=fail' },
  { name: 'start-failure-ipc', faults: () => 'ipc=fail' },
  { name: 'start-failure-volumes', volume: true, faults: () => 'volumes=fail' },
  { name: 'start-failure-working-dir', workingDir: '/srv/app', faults: () => 'working-dir=fail' },
  { name: 'start-failure-spec', faults: () => 'spec=fail' },
  { name: 'start-failure-process', faults: () => 'process=fail' },
  // the process started, then its step failed: its release runs first, then the others at once
  { name: 'start-failure-after-process', faults: () => 'process=fail-after' },
  { name: 'start-failure-mark-running', faults: () => 'mark-running=fail' },
  // run --rm: the failed start removes the container after its cleanup
  { name: 'start-failure-auto-remove', autoRemove: true, faults: () => 'process=fail' },
];

/** The start refuses before it changes anything: each check's answer. */
const REFUSALS: Scenario[] = [
  { name: 'start-refused-no-such-container', ref: 'no-such-container' },
  { name: 'start-refused-already-running', before: ({ startOnce }) => startOnce() },
  // another start holds the claim (its network step is held): this one is refused at the claim
  { name: 'start-refused-claimed', faults: (hold) => `network=hold:${hold}`, before: ({ startHeld }) => startHeld() },
  // a legacy hostConfig at start that the host refuses (the host-config step)
  { name: 'start-refused-host-config', input: { hostConfig: { SecurityOpt: ['no-such-option'] } } },
];

const SCENARIOS: Scenario[] = [
  ...FAILURES,
  ...REFUSALS,
  { name: 'start-success' },
  // every payload encrypted with the test key: the environment's value is nowhere in the file in plaintext
  { name: 'start-encrypted', env: ['DB_PASSWORD=recorded-secret-4f1c'] },
  {
    name: 'start-transient-retries',
    faults: () => 'network=transient:2,mount-rootfs=transient-after:1,spec=transient:1',
  },
  // a legacy hostConfig at start keeps the checks apart (its step comes between them)
  { name: 'start-legacy-host-config', input: { hostConfig: { SecurityOpt: ['no-new-privileges'] } } },
  {
    name: 'start-cancelled',
    volume: true,
    faults: (hold) => `volumes=hold:${hold}`,
    during: async ({ waitForStep, cancel }) => {
      await waitForStep('volumes');
      await cancel();
    },
  },
  sentDuringTask('start-cancelled-in-task-adopted', 'network', 'cancel'),
  sentDuringTask('start-signalled-in-task-adopted', 'process', 'signal'),
  { name: 'start-cancelled-before-claim', startDelay: '1s', during: async ({ cancel }) => cancel() },
];

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // An external server only when TEMPORAL_ADDRESS names one: its default would be the operator's own server.
  const server = isSet('TEMPORAL_ADDRESS') ? undefined : await startDevServer({ uiPort: false });
  const address = server?.address ?? getConfig().address;
  // An external server is reached as configured (profile, TLS, API key); the script's own dev server plainly.
  const connectionOptions = server ? { address } : getConfig().temporal.connectionOptions;
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'container-saga-record-'));
  const taskQueue = `record-${randomUUID()}`;
  chmodSync(TEST_KEYS, 0o600); // git checks it out readable by all; the codec refuses that
  const dataConverter = codecDataConverter({ ...process.env, CONTAINER_SAGA_CODEC_KEYS: TEST_KEYS });
  const nativeConnection = await NativeConnection.connect(connectionOptions);
  const connection = await Connection.connect(connectionOptions);
  const client = new Client({ connection, dataConverter });
  // This worker is host `a` (workflows and a's steps); host `b` serves only its host queue, so
  // every workflow task runs on a and a container placed on b has all its steps routed there (hostOnly).
  const runtime = new SimulatedRuntime(path.join(root, 'a'), { host: 'a' });
  const worker = await createWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    runtime,
    faults: {},
    dataConverter,
  });
  const hosts = { connection: nativeConnection, client, taskQueue, dataConverter, root };
  let hostB: HostOnly | undefined;
  try {
    await worker.runUntil(async () => {
      hostB = await hostOnly(hosts, 'b');
      await fs.mkdir(OUT, { recursive: true });
      for (const s of SCENARIOS.filter((sc) => wanted(sc.name))) await recordStart(client, taskQueue, address, root, s);
      if (wanted('monitor-on-failure') || wanted('wait-exited')) await recordMonitor(client, taskQueue, address);
      if (['exec-exit-3', 'exec-output', 'pause', 'unpause', 'kill', 'restore'].some(wanted))
        await recordVerbs(client, taskQueue, address);
      if (wanted('reads-continued-as-new'))
        await recordReads({ client, connection, address, namespace: 'default', taskQueue });
      if (['create-pinned', 'start-on-other-host', 'hosts-registry', 'start-host-gone'].some(wanted))
        await recordHosts(hosts, address);
      await hostB.stop();
    });
  } finally {
    await hostB?.stop();
    await nativeConnection.close();
    await server?.stop();
    await fs.rm(root, { recursive: true, force: true });
  }
}

/**
 * One start scenario: the container created on host a (its worker runs the start's steps locally), then
 * started as the CLI starts it, by the full ID its workflow ID is derived from.
 */
async function recordStart(
  client: Client,
  taskQueue: string,
  address: string,
  root: string,
  s: Scenario,
): Promise<void> {
  const hold = path.join(root, 'a', `${s.name}.release`); // in a's state root (runtime/faults.ts)
  const hostConfig = {
    ...(s.volume ? { Binds: [`${s.name}-data:/data`] } : {}),
    ...(s.autoRemove ? { AutoRemove: true } : {}),
  };
  const request: CreateRequest = {
    name: s.name,
    image: 'busybox',
    cmd: ['sleep', '1000'],
    labels: s.faults ? { [FAULT_LABEL]: s.faults(hold) } : {},
    ...(s.env ? { env: s.env } : {}),
    ...(s.workingDir ? { workingDir: s.workingDir } : {}),
    ...(Object.keys(hostConfig).length > 0 ? { hostConfig } : {}),
  };
  const createId = `record-create-${randomUUID()}`;
  const { Id: id } = await client.workflow.execute<typeof containerCreate>(WorkflowTypes.create, {
    taskQueue,
    workflowId: createId,
    args: [{ request, host: 'a' }],
    ...createMetadata(request),
  });
  if (s.name === 'start-success') await save(address, createId, 'create');
  const startOf = (workflowId: string) =>
    client.workflow.start<typeof containerStart>(WorkflowTypes.start, {
      taskQueue,
      workflowId,
      args: [{ container: id }],
    });
  const heldElsewhere: Array<Promise<unknown>> = [];
  const waitForHold = async (what: string) => {
    for (let i = 0; !(await fs.stat(`${hold}.held`).catch(() => undefined)); i++) {
      if (i > 200) throw new Error(`${s.name}: ${what} never reached its hold`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await s.before?.({
    id,
    hold,
    startOnce: async () => void (await (await startOf(`record-first-start-${randomUUID()}`)).result()),
    startHeld: async () => {
      heldElsewhere.push((await startOf(`record-held-start-${randomUUID()}`)).result());
      await waitForHold('the other start');
    },
  });
  const handle = await client.workflow.start<typeof containerStart>(WorkflowTypes.start, {
    taskQueue,
    workflowId: startWorkflowId(id),
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [{ container: s.ref ?? id, ...s.input }],
    ...(s.startDelay ? { startDelay: s.startDelay } : {}),
  });
  await s.during?.({
    cancel: async () => void (await handle.cancel()),
    signal: () => handle.signal('operatorNote', 'a signal the start has no handler for'),
    release: () => fs.writeFile(hold, ''),
    // The fault hook writes HOLD.held when the step reaches its hold: a local step is in flight inside its
    // workflow task, so the progress query would not answer before that task completes.
    waitForStep: (step) => waitForHold(`step ${step}`),
  });
  const outcome = await handle.result().then(
    () => 'completed',
    (e: Error) => `failed: ${e.message}`,
  );
  await save(address, handle.workflowId, s.name, outcome);
  if (heldElsewhere.length > 0) {
    await fs.writeFile(hold, '');
    await Promise.all(heldElsewhere);
  }
}

/**
 * Writes one workflow's history as the CLI shows it: the canonical proto3 JSON that historyFromJSON (and the Web UI's
 * download) use.
 */
async function save(
  address: string,
  workflowId: string,
  name: string,
  outcome?: string,
  runId?: string,
): Promise<void> {
  const run = runId ? ['--run-id', runId] : [];
  const json = execFileSync(
    temporalCliPath(),
    ['workflow', 'show', '--address', address, '--workflow-id', workflowId, ...run, '--output', 'json'],
    { encoding: 'utf8' },
  );
  await fs.mkdir(OUT, { recursive: true });
  await fs.writeFile(path.join(OUT, `${name}.json`), json);
  console.log(
    `recorded ${name} (${(JSON.parse(json) as { events: unknown[] }).events.length} events${outcome ? `, ${outcome}` : ''})`,
  );
}

/** A container created on host a and started, as the CLI starts it (by the full ID): its ID. */
async function createAndStart(client: Client, taskQueue: string, request: CreateRequest): Promise<string> {
  const { Id: id } = await client.workflow.execute<typeof containerCreate>(WorkflowTypes.create, {
    taskQueue,
    workflowId: `record-create-${randomUUID()}`,
    args: [{ request, host: 'a' }],
  });
  await client.workflow.execute<typeof containerStart>(WorkflowTypes.start, {
    taskQueue,
    workflowId: startWorkflowId(id),
    args: [{ container: id }],
  });
  return id;
}

/**
 * The container monitor's history (workflows/monitor.ts): a container whose command exits 3 with
 * `--restart on-failure:2` is restarted twice (durable timers, child start sagas), then left exited; and the
 * `wait` on it. Both kept beside the start's, in the same version folder.
 */
async function recordMonitor(client: Client, taskQueue: string, address: string): Promise<void> {
  const request: CreateRequest = {
    name: 'monitor-on-failure',
    image: 'busybox',
    cmd: ['sh', '-c', 'exit 3'],
    hostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } },
  };
  const id = await createAndStart(client, taskQueue, request);
  const monitor = client.workflow.getHandle<typeof containerMonitor>(monitorWorkflowId(id));
  const ended = await monitor.result();
  const wait = await client.workflow.start<typeof containerWait>(WorkflowTypes.wait, {
    taskQueue,
    workflowId: `record-wait-${randomUUID()}`,
    args: [{ container: id }],
  });
  await wait.result();
  for (const [name, workflowId] of [
    ['monitor-on-failure', monitor.workflowId],
    ['wait-exited', wait.workflowId],
  ] as const) {
    const json = execFileSync(
      temporalCliPath(),
      ['workflow', 'show', '--address', address, '--workflow-id', workflowId, '--output', 'json'],
      { encoding: 'utf8' },
    );
    await fs.writeFile(path.join(OUT, `${name}.json`), json);
    console.log(
      `recorded ${name} (${(JSON.parse(json) as { events: unknown[] }).events.length} events${name.startsWith('monitor') ? `, ${ended.restartCount} restarts, ended: ${ended.ended}` : ''})`,
    );
  }
}

/** The verbs around a running container: exec (and its output), pause, unpause, kill; and the start-up restore. */
async function recordVerbs(client: Client, taskQueue: string, address: string): Promise<void> {
  const request: CreateRequest = { name: 'verbs', image: 'busybox', cmd: ['sleep', '1000'] };
  const id = await createAndStart(client, taskQueue, request);
  const execId = randomUUID().replace(/-/g, '').repeat(2);
  // each verb by its registered type name, as any client starts it: [history name, type, workflow ID, input]
  const runs: Array<[string, string, string, unknown[]]> = [
    [
      'exec-exit-3',
      WorkflowTypes.exec,
      execWorkflowId(execId),
      [{ container: id, execId, cmd: ['sh', '-c', 'exit 3'] }],
    ],
    ['exec-output', WorkflowTypes.execOutput, `record-exec-output-${randomUUID()}`, [{ container: id, execId }]],
    ['pause', WorkflowTypes.pause, `record-pause-${randomUUID()}`, [{ container: id }]],
    ['unpause', WorkflowTypes.unpause, `record-unpause-${randomUUID()}`, [{ container: id }]],
    ['kill', WorkflowTypes.kill, `record-kill-${randomUUID()}`, [{ container: id, signal: 'KILL' }]],
    ['restore', WorkflowTypes.restore, `record-restore-${randomUUID()}`, []],
  ];
  for (const [name, type, workflowId, args] of runs) {
    const start = () => client.workflow.start(type, { taskQueue, workflowId, args });
    const handle = client.workflow.getHandle((await start()).workflowId);
    await handle.result();
    const json = execFileSync(
      temporalCliPath(),
      ['workflow', 'show', '--address', address, '--workflow-id', handle.workflowId, '--output', 'json'],
      { encoding: 'utf8' },
    );
    await fs.writeFile(path.join(OUT, `${name}.json`), json);
    console.log(`recorded ${name} (${(JSON.parse(json) as { events: unknown[] }).events.length} events)`);
  }
}

/**
 * The reads workflow (workflows/reads.ts): started with a small bound, one read of every kind (a failed one
 * too), then inspects until the run continues as new; that first run's history is kept, ending in its
 * continue-as-new.
 */
async function recordReads(s: Session): Promise<void> {
  const { client, taskQueue, address } = s;
  const workflowId = readsWorkflowId(taskQueue);
  const first = await client.workflow.start<typeof containerReads>(WorkflowTypes.reads, {
    taskQueue,
    workflowId,
    args: [{ maxEvents: 80 }],
  });
  const request: CreateRequest = { name: 'reads', image: 'busybox', cmd: ['sleep', '1000'] };
  const id = await createAndStart(client, taskQueue, request);
  const execId = randomUUID().replace(/-/g, '').repeat(2);
  await client.workflow.execute<typeof containerExec>(WorkflowTypes.exec, {
    taskQueue,
    workflowId: execWorkflowId(execId),
    args: [{ container: id, execId, cmd: ['true'] }],
  });
  const missing = await inspect(s, 'nosuch').then(
    () => 'found',
    (e: Error) => e.message,
  );
  await inspect(s, 'reads');
  await list(s, true);
  await readEvents(s, 0);
  await logsPage(s, 'reads', { tail: 10 });
  await imageList(s);
  await read(s, 'execOutput', { container: id, execId });
  await read(s, 'hosts', {}); // host ls
  for (
    let i = 0;
    (await client.workflow.getHandle(workflowId, first.firstExecutionRunId).describe()).status.name === 'RUNNING';
    i++
  ) {
    if (i > 50) throw new Error('the reads workflow never continued as new');
    await inspect(s, 'reads');
  }
  await save(address, workflowId, 'reads-continued-as-new', `inspect nosuch: ${missing}`, first.firstExecutionRunId);
}

/** A host whose worker polls only its host queue: its containers' steps reach it from host a's workflow tasks. */
interface HostOnly {
  stop(): Promise<void>;
}

interface HostsContext {
  connection: NativeConnection;
  client: Client;
  taskQueue: string;
  dataConverter: ReturnType<typeof codecDataConverter>;
  root: string;
}

async function hostOnly(o: HostsContext, name: string): Promise<HostOnly> {
  const runtime = withFaults(new SimulatedRuntime(path.join(o.root, name), { host: name }), undefined);
  const queue = hostTaskQueue(o.taskQueue, name);
  const worker = await Worker.create({
    connection: o.connection,
    namespace: 'default',
    taskQueue: queue,
    activities: createActivities(runtime, { monitorRuns: true }),
    dataConverter: o.dataConverter,
  });
  const running = worker.run();
  await registerHost({
    name,
    driver: runtime.kind,
    connection: o.connection,
    namespace: 'default',
    taskQueue: o.taskQueue,
    dataConverter: o.dataConverter,
  });
  // placement and reads count a host once the server has seen its poller
  for (let i = 0; ; i++) {
    const res = await o.client.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: queue, kind: 1 },
      taskQueueType: 2,
    });
    if ((res.pollers ?? []).length > 0) break;
    if (i > 100) throw new Error(`host ${name}: no poller seen on ${queue}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}

/**
 * Many hosts: a create pinned to host b (`create --host b`) and the start of that container from host a's
 * workflow task (every step routed to b's queue); the host registry's history (three registrations, a drain
 * and an activate); a start whose host's worker goes away with its network step in flight (no
 * compensation sent to the gone host, HostUnavailable after the pickup bound).
 */
async function recordHosts(o: HostsContext, address: string): Promise<void> {
  const { client, taskQueue } = o;
  const create = async (name: string, host: string, labels: Record<string, string> = {}) => {
    const request: CreateRequest = { name, image: 'busybox', cmd: ['sleep', '1000'], labels };
    const workflowId = `record-create-${randomUUID()}`;
    const { Id } = await client.workflow.execute<typeof containerCreate>(WorkflowTypes.create, {
      taskQueue,
      workflowId,
      args: [{ request, host }],
      ...createMetadata(request),
    });
    return { id: Id, workflowId };
  };
  const onB = await create('on-b', 'b');
  await save(address, onB.workflowId, 'create-pinned');
  const started = await client.workflow.execute<typeof containerStart>(WorkflowTypes.start, {
    taskQueue,
    workflowId: startWorkflowId(onB.id),
    args: [{ container: onB.id }],
  });
  await save(address, startWorkflowId(onB.id), 'start-on-other-host', `${started.status} on host ${started.host}`);

  const hostC = await hostOnly(o, 'c');
  const registry = client.workflow.getHandle(hostsWorkflowId(taskQueue));
  for (const availability of ['drain', 'active'] as const)
    await registry.executeUpdate(HostsUpdates.setAvailability, { args: [{ name: 'c', availability }] });
  await save(address, registry.workflowId, 'hosts-registry', 'running: a, b and c registered, c drained and activated');

  const hold = path.join(o.root, 'host-gone.release');
  const onC = await create('on-c', 'c', { [FAULT_LABEL]: `network=hold:${hold}` });
  const handle = await client.workflow.start<typeof containerStart>(WorkflowTypes.start, {
    taskQueue,
    workflowId: startWorkflowId(onC.id),
    args: [{ container: onC.id }],
  });
  for (let i = 0; !(await fs.stat(`${hold}.held`).catch(() => undefined)); i++) {
    if (i > 200) throw new Error('start-host-gone: the network step was never held');
    await new Promise((r) => setTimeout(r, 50));
  }
  await hostC.stop(); // the held step is cancelled with its worker; its retry waits for a worker of c that never comes
  const outcome = await handle.result().then(
    () => 'completed',
    (e: Error) => `failed: ${e.message}`,
  );
  await save(address, handle.workflowId, 'start-host-gone', outcome);
}

main().catch((err: unknown) => {
  console.error(`record-histories: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
