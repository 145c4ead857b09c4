/**
 * `npm run bench`: how long a durable start takes next to Docker's, measured in one run on this machine.
 *   saga    — containerStart through Temporal (dev server, in-process worker), client-observed
 *   driver  — the same driver steps called directly, no Temporal (what the saga adds to)
 *   dockerd — Debian's docker.io 20.10, a private daemon the bench starts (scripts/bench/dockerd.ts):
 *             POST /containers/{id}/start over its socket with a warm keep-alive client, and the
 *             `docker start` / `docker ps` CLI commands against it
 *   API     — container-saga's Engine API (api/main.ts, when this checkout has it), started against the bench's
 *             dev server and task queue: the same CLI commands and the same POST against its socket
 *   floors  — the bare tools' start (netns + lo up, CNI ADD, runc run -d; root only) and Temporal alone (an
 *             empty workflow, a start's local activities as no-ops): scripts/bench/floor/
 * The measurements alternate within each round (Docker's, then ours), n = BENCH_N rounds (default 15) after 2
 * warm-up rounds; each container is created beforehand (not timed) and removed after its measurement. Every
 * measured saga start's history is read afterwards (its length; the median one's timeline).
 * Then, each a phase of its own (scripts/bench/phases.ts): compensation latency, throughput at 1, 10 and 50
 * starts in flight beside dockerd's and with the simulated driver, and memory (a real worker process beside
 * dockerd + containerd, idle and with 50 running).
 * Then the pull section (scripts/bench/pull.ts): the same docker CLI pulling from one private registry on loopback
 * through dockerd and through our API, and `docker run --rm` from a many-layer image and a flat one.
 * The networking section (scripts/bench/net.ts) and the interactive one (scripts/bench/interactive.ts: `docker run
 * -it` until the prompt, keystroke echo p50/p99, `docker exec`) run by default after the phases; `--no-net`,
 * `--no-interactive` leave them out, `--only net|interactive` runs one alone.
 * The pull section is off by default (75-100 s of its own on the 2-core VM under other work; a default section may
 * take 90 s): `--pull` adds it, `--only pull` runs only it (with what it needs: the dev server, the worker, the API
 * server, dockerd).
 * The Linux driver runs as root (bridge networking, busybox), else the simulated one; Docker needs root and
 * docker.io. The in-process workers take their slots and pollers from the CONTAINER_SAGA_* tuning variables
 * (config/worker-tuning.ts), the SDK's defaults when unset. Results go to bench-results/<timestamp>.json
 * and a table of figures and ratios to stdout.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { codecDataConverter } from '../codec/load';
import { ensureKeyFile } from '../codec/key-file';
import { startWorkflowId, WorkflowTypes } from '../common/names';
import { getConfig } from '../config';
import { describeWorkerTuning, parseWorkerTuning } from '../config/worker-tuning';
import type { HostRuntime } from '../runtime/host-runtime';
import { releaseStateRoot } from '../runtime/drivers/linux/mounts';
import { runtimeConfigOf, selectRuntime } from '../runtime/select';
import { createWorker, WORKFLOW_BUNDLE } from '../worker/create';
import type { containerStart } from '../workflows/container-start';
import type { containerCreate } from '../workflows/ops';
import { startApiServer } from './bench/api-server';
import { importBusybox } from './bench/busybox-image';
import { DOCKER_CLIENT, DockerCli } from './bench/docker-cli';
import { dockerUnavailable, startDockerd } from './bench/dockerd';
import { meanCpu, timedCpu, type CpuSample } from './bench/cpu';
import { driverStart, time } from './bench/driver-start';
import { EngineClient, EngineError } from './bench/engine';
import { DriverFloor, FLOOR_TOTAL } from './bench/floor/driver';
import { TemporalFloor } from './bench/floor/temporal';
import { readHistory, timeline, type HistoryEvent } from './bench/history';
import { StepClock, type StepCall } from './bench/step-clock';
import { monitorEnded } from './bench/monitor-ended';
import { checkPhaseSettings, runPhases } from './bench/phases';
import { checkPullSettings, measurePull, pullEngines } from './bench/pull';
import { checkNetSettings } from './bench/net';
import { checkInteractiveSettings } from './bench/interactive';
import { benchInteractive, benchNet } from './bench/side-sections';
import {
  buildResults,
  emptySamples,
  formatReport,
  writeResults,
  type Measurement,
  type Part,
  type Results,
} from './bench/report';
import { Teardown } from './bench/teardown';
import { startDevServer } from './dev-server';

const N = Number(process.env.BENCH_N || 15);
const WARM_UP = 2;
const IMAGE = 'busybox';
const CMD = ['sleep', '1000'];
/** The API version Docker's 20.10 client speaks. */
const API_VERSION = '/v1.41';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * One kind of measurement, run once per round. A step that fails turns its part off for the remaining rounds
 * (its samples dropped, the reason reported); the saga and driver steps are the bench itself and fail it.
 */
interface Step {
  part: Part;
  measures: Measurement[];
  /** record: keeps the sample unless the round is a warm-up one; says whether it kept it */
  run(record: (m: Measurement, ms: number) => boolean): Promise<void>;
}

const CREATED_BY_API = 'POST /containers/create on the API socket (docker create for the CLI figures)';

/**
 * How the API's containers get created: through the API when it answers a probe create (the probe container
 * is removed), else, while it does not implement create (501, 404), through the create workflow.
 */
async function apiCreates(engine: EngineClient, rt: HostRuntime): Promise<string> {
  try {
    const id = await engine.create(IMAGE, CMD);
    await rt.remove(id, true);
    return CREATED_BY_API;
  } catch (err) {
    if (err instanceof EngineError && (err.status === 501 || err.status === 404)) {
      return `the create workflow (the API answered a probe create with: ${message(err)})`;
    }
    throw err;
  }
}

/** The saga and driver steps: always measured, a failure fails the bench. */
const CORE: Part = { measured: true };

/** The command line: which sections run. */
interface Options {
  /** only this section: the rounds, floors and phases do not run */
  only?: 'pull' | 'net' | 'interactive';
  pull: boolean;
  net: boolean;
  interactive: boolean;
}

function parseOptions(args: readonly string[]): Options {
  const o: Options = { pull: false, net: true, interactive: true };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const only = a.startsWith('--only=') ? a.slice('--only='.length) : a === '--only' ? args[++i] : undefined;
    if (a === '--pull') o.pull = true;
    else if (a === '--no-net') o.net = false;
    else if (a === '--no-interactive') o.interactive = false;
    else if (only === 'pull' || only === 'net' || only === 'interactive')
      Object.assign(o, { only, pull: only === 'pull', net: only === 'net', interactive: only === 'interactive' });
    else
      throw new Error(
        `unknown option ${JSON.stringify(a)} (options: --pull, --no-net, --no-interactive, --only pull|net|interactive)`,
      );
  }
  return o;
}

async function bench(teardown: Teardown, opts: Options): Promise<Results> {
  const loadavgAtStart = os.loadavg();
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-bench-'));
  teardown.add(`remove ${root}`, () => fs.rm(root, { recursive: true, force: true }));
  // the host steps of the saga starts, timed by the worker's clock (their local activities have no times in the
  // history)
  const stepClock = new StepClock();
  const selected = await selectRuntime('auto', root, { ...runtimeConfigOf(getConfig()), hooks: stepClock.hooks() });
  const rt = selected.runtime;
  teardown.add('remove the containers left, release the state root', async () => {
    // Containers a failed or interrupted round left, then the private mount the Linux driver made of the root.
    for (const rec of await rt.list().catch(() => [])) await rt.remove(rec.Id, true).catch(() => undefined);
    if (rt.kind === 'linux') await releaseStateRoot(root).catch(() => undefined);
  });
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-bench-run-'));
  teardown.add(`remove ${work}`, () => fs.rm(work, { recursive: true, force: true }));

  // Payloads encrypted as the product ships: a key file of the bench's own, which its API server child reads too.
  process.env.CONTAINER_SAGA_CODEC_KEYS = path.join(root, 'codec-keys.json');
  ensureKeyFile(process.env.CONTAINER_SAGA_CODEC_KEYS);
  const dataConverter = codecDataConverter();

  const server = await startDevServer({ uiPort: false, detached: true });
  teardown.add('stop the Temporal dev server', () => server.stop());
  const taskQueue = `bench-${randomUUID()}`;
  const native = await NativeConnection.connect({ address: server.address });
  teardown.add('close the worker connection', () => native.close());
  // One bundle for the bench's in-process workers (this one, and the fault and simulated ones of the phases).
  const workflowBundle = {
    code: (await bundleWorkflowCode({ ...WORKFLOW_BUNDLE, logger: new DefaultLogger('WARN') })).code,
  };
  const tuning = parseWorkerTuning((name) => process.env[name] || undefined);
  const worker = await createWorker({
    connection: native,
    namespace: 'default',
    taskQueue,
    runtime: rt,
    dataConverter,
    workflowBundle,
    tuning,
  });
  // Only when the teardown runs before the rounds end (a signal): the connection cannot close under a worker.
  teardown.add('stop the worker', async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    for (let t = 0; t < 100 && !['STOPPED', 'FAILED', 'INITIALIZED'].includes(worker.getState()); t++)
      await new Promise((r) => setTimeout(r, 100));
  });
  const connection = await Connection.connect({ address: server.address });
  teardown.add('close the client connection', () => connection.close());
  const client = new Client({ connection, dataConverter });
  if (rt.kind === 'linux') await rt.importImage(IMAGE, 'busybox-static');

  // Docker: a private dockerd with busybox imported.
  const docker: Part & { version?: unknown; flags?: string[] } = { measured: false };
  let dockerEngine: EngineClient | undefined;
  let dockerCli: DockerCli | undefined;
  let dockerd: { socket: string; dir: string; netns: string } | undefined;
  docker.reason = dockerUnavailable();
  if (docker.reason === undefined) {
    try {
      const d = await startDockerd(teardown);
      dockerd = { socket: d.socket, dir: d.dir, netns: d.netns };
      Object.assign(docker, { measured: true, version: d.version, flags: d.flags });
      dockerCli = await DockerCli.make(d.socket, path.join(work, 'docker-config'));
      await importBusybox(dockerCli, path.join(work, 'busybox-image'));
      const engine = new EngineClient(d.socket, API_VERSION);
      teardown.add('close the dockerd client', async () => engine.close());
      dockerEngine = engine;
    } catch (err) {
      Object.assign(docker, { measured: false, reason: `the private dockerd failed: ${message(err)}` });
      dockerEngine = dockerCli = dockerd = undefined;
    }
  }

  const api: Part & { entry?: string; createdBy?: string } = { measured: false };
  let apiEngine: EngineClient | undefined;
  let apiCli: DockerCli | undefined;

  // The floors: the bare tools (a child process of their own; root and the Linux driver only) and Temporal
  // alone (no-op workflows on a worker of their own, the same client and server).
  const floors = { driver: { measured: false } as Part, temporal: { measured: false } as Part };
  let driverFloor: DriverFloor | undefined;
  if (opts.only) floors.driver.reason = `not run (--only ${opts.only})`;
  else if (rt.kind !== 'linux') floors.driver.reason = 'needs the Linux driver (root, runc, CNI plugins)';
  else {
    try {
      const f = new DriverFloor();
      teardown.add('close the driver floor', () => f.close());
      await f.ready();
      driverFloor = f;
      floors.driver.measured = true;
    } catch (err) {
      floors.driver.reason = `its child failed: ${message(err)}`;
    }
  }
  const temporalFloor = opts.only
    ? undefined
    : await TemporalFloor.create({ native, client, dataConverter }).catch((err: unknown) => {
        floors.temporal.reason = `its worker failed: ${message(err)}`;
        return undefined;
      });
  floors.temporal.measured = temporalFloor !== undefined;

  const samples = emptySamples();
  const starts: { ms: number; events: HistoryEvent[]; steps: StepCall[] }[] = [];
  const cpuTimes = { saga: [] as CpuSample[], driver: [] as CpuSample[] };
  const phases = await worker.runUntil(async () => {
    // container-saga's Engine API: a client of the dev server, served by this worker.
    const started = await startApiServer(teardown, {
      socket: path.join(work, 'api.sock'),
      address: server.address,
      taskQueue,
      root,
      driver: rt.kind,
      log: path.join(work, 'api.log'),
    });
    if (started.ok) {
      Object.assign(api, { measured: true, entry: started.entry });
      const engine = new EngineClient(started.socket, API_VERSION);
      teardown.add('close the API client', async () => engine.close());
      apiEngine = engine;
      if (
        await fs.access(DOCKER_CLIENT).then(
          () => true,
          () => false,
        )
      )
        apiCli = await DockerCli.make(started.socket, path.join(work, 'api-docker-config'));
      api.createdBy = await apiCreates(engine, rt).catch((err: unknown) => {
        Object.assign(api, { measured: false, reason: `a probe POST /containers/create failed: ${message(err)}` });
        return undefined;
      });
    } else api.reason = started.reason;

    const createdByApi = api.createdBy === CREATED_BY_API;
    const onSagaStart = async (workflowId: string, ms: number, cpu: CpuSample, id: string) => {
      const steps = stepClock.take(id);
      stepClock.clear(); // the other measurements' calls (one at a time: none is in flight now)
      starts.push({ ms, events: await readHistory(client, workflowId), steps });
      cpuTimes.saga.push(cpu);
    };
    const onDriverStart = (cpu: CpuSample) => void cpuTimes.driver.push(cpu);
    const serverPid = server.process.pid;
    const steps = roundSteps({
      rt,
      client,
      taskQueue,
      docker,
      dockerEngine,
      dockerCli,
      api,
      apiEngine,
      apiCli,
      createdByApi,
      serverPid,
      onSagaStart,
      onDriverStart,
    });
    steps.push(...floorSteps(floors, driverFloor, temporalFloor));
    const rounds = async () => {
      for (let i = -WARM_UP; i < N; i++) {
        for (const step of steps) {
          if (teardown.stopping) throw new Error('interrupted');
          if (!step.part.measured) continue;
          try {
            await step.run((m, ms) => i >= 0 && samples[m].push(ms) > 0);
          } catch (err) {
            if (step.part === CORE || teardown.stopping) throw err;
            step.part.measured = false;
            step.part.reason = `failed in ${i < 0 ? `warm-up round ${i + WARM_UP + 1}` : `round ${i + 1}`}: ${message(err)}`;
            for (const s of steps) if (s.part === step.part) for (const m of s.measures) samples[m] = [];
            console.error(`bench: ${step.part.reason}`);
          }
        }
      }
    };
    // the floor's worker polls only while the rounds run
    if (opts.only) floors.temporal.reason = `not run (--only ${opts.only})`;
    else if (temporalFloor) await temporalFloor.worker.runUntil(rounds);
    else await rounds();
    await driverFloor?.close();
    const phaseResults = opts.only
      ? {}
      : await runPhases({
          teardown,
          root,
          address: server.address,
          native,
          client,
          rt,
          taskQueue,
          workflowBundle,
          dataConverter,
          tuning,
          image: IMAGE,
          cmd: CMD,
          apiVersion: API_VERSION,
          ...(dockerd ? { dockerd } : {}),
          temporalPid: server.process.pid,
        });
    const cliEngines = { dockerCli, dockerdNetns: dockerd?.netns, apiCli };
    const net = opts.net ? await benchNet(teardown, cliEngines, IMAGE) : undefined;
    const interactive = opts.interactive ? await benchInteractive(teardown, cliEngines, IMAGE) : undefined;
    const sides = { ...(net ? { net } : {}), ...(interactive ? { interactive } : {}) };
    if (!opts.pull) return { ...phaseResults, ...sides };
    const engines = pullEngines({
      flat: IMAGE,
      dockerCli,
      ...(dockerd ? { dockerDataRoot: path.join(dockerd.dir, 'data') } : {}),
      apiCli,
      images: rt.images,
    });
    const pullWork = path.join(work, 'pull');
    const pull = await measurePull({ teardown, work: pullWork, netns: dockerd?.netns, engines }).catch(
      (err: unknown) => {
        if (teardown.stopping) throw err;
        console.error(`bench: the pull section failed: ${err instanceof Error ? err.stack : String(err)}`);
        return { measured: false as const, reason: `failed: ${message(err)}` };
      },
    );
    return { ...phaseResults, ...sides, pull };
  });

  if (api.reason === undefined && !apiCli && api.measured)
    api.reason = `${DOCKER_CLIENT} is missing: CLI figures through the API not measured`;
  const median = [...starts].sort((a, b) => a.ms - b.ms)[Math.floor(starts.length / 2)];
  return buildResults({
    loadavgAtStart,
    n: N,
    driver: { kind: rt.kind, reason: selected.reason },
    docker,
    api,
    floors,
    samples,
    workerTuning: describeWorkerTuning(tuning),
    startEvents: starts.map((s) => s.events.length),
    cpu: { sagaStart: meanCpu(cpuTimes.saga), driverStart: meanCpu(cpuTimes.driver) },
    ...(median
      ? {
          timeline: {
            clientMs: median.ms,
            serverMs: median.events[median.events.length - 1]!.at - median.events[0]!.at,
            events: median.events.length,
            spans: timeline(median.events, median.steps),
          },
        }
      : {}),
    ...phases,
    ...(opts.only ? { only: opts.only } : {}),
  });
}

function roundSteps(o: {
  rt: HostRuntime;
  client: Client;
  taskQueue: string;
  docker: Part;
  dockerEngine?: EngineClient;
  dockerCli?: DockerCli;
  api: Part;
  apiEngine?: EngineClient;
  apiCli?: DockerCli;
  /** the API's containers are created through it, else through the create workflow */
  createdByApi: boolean;
  /** the Temporal server's pid, for the CPU time of a saga start */
  serverPid: number | undefined;
  /** after a measured saga start (not timed): its workflow ID, time and CPU time */
  onSagaStart: (workflowId: string, ms: number, cpu: CpuSample, id: string) => Promise<void>;
  /** after a measured driver start: its CPU time */
  onDriverStart: (cpu: CpuSample) => void;
}): Step[] {
  const { rt, client, taskQueue } = o;
  const steps: Step[] = [];
  const dockerEngine = o.dockerEngine;
  const apiEngine = o.apiEngine;
  // Removed through the runtime, then its monitor's end awaited (not timed), so it is not processed during the next
  // measurement.
  const removeOurs = async (id: string) => {
    await rt.remove(id, true);
    await monitorEnded(client, id);
  };
  const createByWorkflow = async () =>
    (
      await client.workflow.execute<typeof containerCreate>(WorkflowTypes.create, {
        taskQueue,
        workflowId: `bench-create-${randomUUID()}`,
        args: [{ request: { image: IMAGE, cmd: CMD } }],
      })
    ).Id;

  // a. Engine API start: dockerd's, then the saga through a warm Temporal client, then our API's
  if (dockerEngine) {
    steps.push({
      part: o.docker,
      measures: ['dockerApiStart'],
      async run(record) {
        const id = await dockerEngine.create(IMAGE, CMD);
        try {
          record('dockerApiStart', await time(() => dockerEngine.start(id)));
        } finally {
          await dockerEngine.remove(id);
        }
      },
    });
  }
  steps.push({
    part: CORE,
    measures: ['sagaStart'],
    async run(record) {
      const Id = await createByWorkflow();
      try {
        const workflowId = startWorkflowId(Id);
        const { ms, cpu } = await timedCpu(o.serverPid, () =>
          client.workflow.execute<typeof containerStart>(WorkflowTypes.start, {
            taskQueue,
            workflowId,
            args: [{ container: Id }],
          }),
        );
        if (record('sagaStart', ms)) await o.onSagaStart(workflowId, ms, cpu, Id);
      } finally {
        await removeOurs(Id);
      }
    },
  });
  if (apiEngine) {
    steps.push({
      part: o.api,
      measures: ['oursApiStart'],
      async run(record) {
        const id = o.createdByApi ? await apiEngine.create(IMAGE, CMD) : await createByWorkflow();
        try {
          record('oursApiStart', await time(() => apiEngine.start(id)));
        } finally {
          await removeOurs(id);
        }
      },
    });
  }
  // c. the driver's steps without Temporal
  steps.push({
    part: CORE,
    measures: ['driverStart'],
    async run(record) {
      const rec = await rt.create({ image: IMAGE, cmd: CMD });
      try {
        const { ms, cpu } = await timedCpu(undefined, () => driverStart(rt, rec.Id));
        if (record('driverStart', ms)) o.onDriverStart(cpu);
      } finally {
        await rt.remove(rec.Id, true);
      }
    },
  });
  // b. the docker CLI: a container created (not timed), `docker start`, `docker ps` (one container running), removed
  const cliStep = (
    cli: DockerCli,
    part: Part,
    start: Measurement,
    ps: Measurement,
    create: () => Promise<string>,
    remove: (id: string) => Promise<unknown>,
  ): Step => ({
    part,
    measures: [start, ps],
    async run(record) {
      const id = await create();
      try {
        record(start, (await cli.timed(['start', id])).ms);
        record(ps, (await cli.timed(['ps'])).ms);
      } finally {
        await remove(id);
      }
    },
  });
  const dockerCli = o.dockerCli;
  if (dockerCli) {
    steps.push(
      cliStep(
        dockerCli,
        o.docker,
        'dockerCliStart',
        'dockerCliPs',
        () => dockerCli.ok(['create', IMAGE, ...CMD]),
        (id) => dockerCli.ok(['rm', '-f', id]),
      ),
    );
  }
  const apiCli = o.apiCli;
  if (apiCli) {
    // Ours are removed through the runtime, as the saga's: the figures do not depend on the API's rm.
    const create = o.createdByApi ? () => apiCli.ok(['create', IMAGE, ...CMD]) : createByWorkflow;
    steps.push(cliStep(apiCli, o.api, 'oursCliStart', 'oursCliPs', create, removeOurs));
  }
  return steps;
}

/** The floors, each a step of the rounds: the bare tools' start, and Temporal's empty workflow and start shape. */
function floorSteps(
  floors: { driver: Part; temporal: Part },
  driver: DriverFloor | undefined,
  temporal: TemporalFloor | undefined,
): Step[] {
  const steps: Step[] = [];
  if (driver) {
    let round = 0;
    steps.push({
      part: floors.driver,
      measures: ['driverFloor'],
      async run(record) {
        const s = new Map<string, number[]>();
        await driver.round(round++, s);
        record('driverFloor', s.get(FLOOR_TOTAL)![0]!);
      },
    });
  }
  if (temporal) {
    steps.push({
      part: floors.temporal,
      measures: ['temporalEmpty', 'temporalShape'],
      async run(record) {
        record('temporalEmpty', await time(() => temporal.empty()));
        record('temporalShape', await time(() => temporal.startShape()));
      },
    });
  }
  return steps;
}

async function main(): Promise<void> {
  if (!Number.isInteger(N) || N < 1)
    throw new Error(`BENCH_N must be a whole number of rounds, 1 or more (got "${process.env.BENCH_N}")`);
  const opts = parseOptions(process.argv.slice(2));
  checkPhaseSettings();
  checkPullSettings();
  checkNetSettings();
  checkInteractiveSettings();
  // The bench's teardown owns SIGINT/SIGTERM, not the worker's runtime.
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  const teardown = new Teardown();
  teardown.trapSignals();
  let results: Results;
  try {
    results = await bench(teardown, opts);
  } catch (err) {
    // Stopped by a signal: the handler exits once the teardown is done.
    if (teardown.signal) return;
    throw err;
  } finally {
    await teardown.run();
  }
  process.stdout.write(formatReport(results));
  try {
    console.log(`\nresults: ${path.relative(process.cwd(), await writeResults(results))}`);
  } catch (err) {
    console.error(`\nbench: cannot write the results: ${message(err)}`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
