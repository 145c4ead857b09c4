/**
 * `npm run bench:budget`: the CI step that keeps the saga's cost from creeping up. A short
 * bench on the simulated driver (no root, no Docker, a few seconds): a dev server, an in-process worker, then
 * ROUNDS rounds after WARM_UP, each timing one saga start (warm client, client-observed) and the same driver
 * calls without Temporal, taking turns, with the CPU time each costs; then one start whose process step fails,
 * on a worker with fault injection. Judged against the committed bench-budget.json (scripts/bench/budget.ts
 * says what each figure is). The timings move with a shared host's load, so when one is over its limit another
 * try follows (at most TRIES, same server and worker) and the lowest counts: load that comes and goes fails a
 * try, a regression fails them all. Exit 0 within budget, 1 otherwise. `--all-tries` runs every try whatever
 * the figures and lists them (to re-pick the margins, BENCHMARKS.md "CI budget").
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startWorkflowId, WorkflowTypes } from '../common/names';
import { getConfig } from '../config';
import { FAULT_LABEL } from '../runtime/faults';
import type { HostRuntime } from '../runtime/host-runtime';
import { runtimeConfigOf, selectRuntime } from '../runtime/select';
import { createWorker, withFaults } from '../worker/create';
import type { containerStart } from '../workflows/container-start';
import { judge, overLimit, readBudget, type Budget, type EventBudget, type Measured, type Try } from './bench/budget';
import { FAULT_PLAN } from './bench/compensation';
import { meanCpu, timedCpu, type CpuSample } from './bench/cpu';
import { driverStart } from './bench/driver-start';
import { eventCounts, readHistory } from './bench/history';
import { monitorEnded } from './bench/monitor-ended';
import { summarize } from './bench/stats';
import { Teardown } from './bench/teardown';
import { benchRoot, benchTemporal } from './bench/temporal-env';

const ROUNDS = 30;
const WARM_UP = 3;
const TRIES = 3;
const ALL_TRIES = process.argv.includes('--all-tries');
const IMAGE = 'busybox';
const CMD = ['sleep', '1000'];
const BUDGET_FILE = path.resolve(__dirname, '..', 'bench-budget.json');

async function measure(teardown: Teardown, budget: Budget): Promise<Measured> {
  const { root, dataConverter } = await benchRoot(teardown, 'cs-budget-');
  const rt = (await selectRuntime('simulated', root, runtimeConfigOf(getConfig()))).runtime;
  // The fault hooks read the container's record at every step: on a runtime object of their own, so the
  // timed starts run without them.
  const faulty = withFaults(rt, undefined);
  await rt.importImage(IMAGE, 'busybox-static');

  const { server, native, client, workflowBundle } = await benchTemporal(teardown, dataConverter);
  const base = { connection: native, namespace: 'default', workflowBundle, dataConverter };
  const taskQueue = `budget-${randomUUID()}`;
  const faultQueue = `budget-faults-${randomUUID()}`;
  const worker = await createWorker({ ...base, taskQueue, runtime: rt });
  const faultWorker = await createWorker({ ...base, taskQueue: faultQueue, runtime: faulty });

  const sagaStart = (queue: string, id: string) =>
    client.workflow.execute<typeof containerStart>(WorkflowTypes.start, {
      taskQueue: queue,
      workflowId: startWorkflowId(id),
      args: [{ container: id }],
    });
  const withContainer = async <T>(
    runtime: HostRuntime,
    labels: Record<string, string>,
    f: (id: string) => Promise<T>,
  ): Promise<T> => {
    const { Id } = await runtime.create({ image: IMAGE, cmd: CMD, labels });
    try {
      return await f(Id);
    } finally {
      await runtime.remove(Id, true);
      await monitorEnded(client, Id);
    }
  };

  const startEvents: EventBudget[] = [];
  /** One try: WARM_UP + ROUNDS rounds; the history length of every measured saga start is kept. */
  const rounds = async (): Promise<Try> => {
    const saga: number[] = [];
    const driver: number[] = [];
    const sagaCpu: CpuSample[] = [];
    const driverCpu: CpuSample[] = [];
    for (let i = -WARM_UP; i < ROUNDS; i++) {
      if (teardown.stopping) throw new Error('interrupted');
      await withContainer(rt, {}, async (id) => {
        const { ms, cpu } = await timedCpu(server.process.pid, () => sagaStart(taskQueue, id));
        if (i < 0) return;
        saga.push(ms);
        sagaCpu.push(cpu);
        startEvents.push(eventCounts(await readHistory(client, startWorkflowId(id))));
      });
      await withContainer(rt, {}, async (id) => {
        const { ms, cpu } = await timedCpu(undefined, () => driverStart(rt, id));
        if (i < 0) return;
        driver.push(ms);
        driverCpu.push(cpu);
      });
    }
    const [sp, dp] = [summarize(saga)!.p50, summarize(driver)!.p50];
    const [sc, dc] = [meanCpu(sagaCpu)!, meanCpu(driverCpu)!];
    return {
      sagaP50: sp,
      driverP50: dp,
      overheadP50: sp - dp,
      sagaCpu: sc,
      driverCpu: dc,
      overheadCpu: sc.self + sc.server - dc.self,
    };
  };
  const compensatedStart = () =>
    withContainer(faulty, { [FAULT_LABEL]: FAULT_PLAN }, async (id) => {
      const err = await sagaStart(faultQueue, id).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (!(err instanceof WorkflowFailedError))
        throw new Error(`the start with ${FAULT_PLAN} did not fail as planned: ${String(err)}`);
      return eventCounts(await readHistory(client, startWorkflowId(id)));
    });
  return worker.runUntil(
    faultWorker.runUntil(async () => {
      const tries: Try[] = [await rounds()];
      while (tries.length < TRIES && (ALL_TRIES || overLimit(tries, budget))) tries.push(await rounds());
      const most = (k: keyof EventBudget) => Math.max(...startEvents.map((e) => e[k]));
      return {
        rounds: ROUNDS,
        tries,
        events: {
          start: { total: most('total'), besidesWorkflowTasks: most('besidesWorkflowTasks') },
          compensatedStart: await compensatedStart(),
        },
        fewestStartEvents: Math.min(...startEvents.map((e) => e.total)),
      };
    }),
  );
}

async function main(): Promise<void> {
  const budget = readBudget(BUDGET_FILE);
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  const teardown = new Teardown();
  teardown.trapSignals();
  let measured: Measured;
  try {
    measured = await measure(teardown, budget);
  } catch (err) {
    if (teardown.signal) return;
    throw err;
  } finally {
    await teardown.run();
  }
  const { lines, ok } = judge(measured, budget);
  for (const l of lines) console.log(l);
  if (!ok) {
    console.log(
      'budget: exceeded (see above). If the growth is intended, say why in the commit and raise bench-budget.json (BENCHMARKS.md, "CI budget").',
    );
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(`budget: could not measure: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
