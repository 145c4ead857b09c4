import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { imageImport } from '../../client/api';
import { loadCodec } from '../../codec/load';
import { startCodecServer } from '../../codec/server';
import { ErrorStatus, type ErrorType } from '../../common/errors';
import { WorkflowTypes } from '../../common/names';
import type { SimulatedRuntime } from '../../runtime/simulated-runtime';
import { simulatedRuntime } from '../runtimes';
import { cli, startTestWorker, type TestWorker } from '../harness';
import { flagVector } from './create-flags';
import { failureLines, fuzzParams, runConcurrently, sampleCases, show, type FuzzParams } from './params';
import { createCase, waitsForHandOver, workflowCase, type WorkflowCase } from './workflow-inputs';

/**
 * Target 2, through Temporal: hostile inputs sent to the workflows by type name, as any client can, to a worker
 * with the simulated driver on the shared dev server. Each run ends promptly, either with a genuine result or
 * failed with a typed, non-retryable ApplicationFailure of a Docker 4xx type — never stuck in a workflow task
 * failure loop, never an Internal 500 — the worker stays up, nothing is created by a refused input and no
 * workflow is left running. Creates go to a worker and state of their own (a valid create creates), so the
 * other workflows see a state with no container at all. Cases run concurrently; when one fails, fast-check
 * runs the failures again in order and shrinks them, its report naming the seed.
 */

const execFileAsync = promisify(execFile);
/** A run that has not ended by then is stuck (a valid input ends within a second or two here). */
const DEADLINE_MS = 20_000;
/** …unless its history shows no workflow task failure: then it is slow, not stuck, and gets this much more. */
const SLOW_DEADLINE_MS = 100_000;
const IN_FLIGHT = 32;

interface Fuzzed {
  w: TestWorker;
  sim: SimulatedRuntime;
  root: string;
}

async function fuzzedWorker(label: string): Promise<Fuzzed> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), `cs-fuzz-${label}-`));
  const sim = simulatedRuntime(root);
  const w = await startTestWorker(inject('temporalAddress'), sim);
  await imageImport(w.session, 'busybox', 'busybox-static');
  return { w, sim, root };
}

type Outcome = { ok: unknown } | { refused: ErrorType };

/** Starts one workflow with raw args and waits for its end; throws when the property does not hold. */
async function runWorkflow(f: Fuzzed, type: string, args: unknown[]): Promise<Outcome> {
  let handle: WorkflowHandle;
  try {
    handle = await f.w.client.workflow.start(type, {
      taskQueue: f.w.taskQueue,
      workflowId: `fuzz-${type}-${randomUUID()}`,
      args,
      // a backstop only: a run still open after the deadline below fails the property anyway
      workflowExecutionTimeout: '5m',
    });
  } catch (err) {
    throw new Error(`the start itself failed: ${String(err)}`);
  }
  const result = handle.result().then(
    (ok: unknown) => ({ ok }),
    (error: unknown) => ({ error }),
  );
  const within = async (ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)));
    const r = await Promise.race([result, late]);
    clearTimeout(timer);
    return r;
  };
  let ended = await within(DEADLINE_MS);
  if (ended === 'late') {
    // Stuck is a workflow task failing again and again; a run merely slow (a loaded machine) has none.
    const failures =
      (await handle.fetchHistory()).events?.filter((e) => e.workflowTaskFailedEventAttributes).length ?? 0;
    if (failures === 0) ended = await within(SLOW_DEADLINE_MS);
    if (ended === 'late') {
      await handle.terminate('fuzz: stuck').catch(() => undefined);
      throw new Error(
        `stuck: not ended after ${failures > 0 ? DEADLINE_MS : DEADLINE_MS + SLOW_DEADLINE_MS} ms, ${failures} workflow task failures in its history`,
      );
    }
  }
  if ('ok' in ended) return ended;
  const err = ended.error;
  if (!(err instanceof WorkflowFailedError)) throw new Error(`ended with ${String(err)}`);
  const cause = err.cause;
  if (!(cause instanceof ApplicationFailure))
    throw new Error(`failed with ${cause?.name ?? 'nothing'}: ${cause?.message}`);
  const status = ErrorStatus[cause.type as ErrorType];
  if (!cause.nonRetryable || status === undefined || status < 400 || status >= 500) {
    throw new Error(
      `failed untyped: ${cause.type} (${status ?? 'no Docker type'}), nonRetryable=${cause.nonRetryable}: ${cause.message}`,
    );
  }
  return { refused: cause.type as ErrorType };
}

/** Runs `cases` concurrently; on failures, fast-check replays them in order, shrinks them and reports the seed. */
async function fuzzThrough(
  target: string,
  params: FuzzParams,
  arb: fc.Arbitrary<WorkflowCase>,
  check: (c: WorkflowCase) => Promise<void>,
): Promise<number> {
  const cases = sampleCases(arb, params);
  const started = Date.now();
  const failures = await runConcurrently(cases, IN_FLIGHT, check);
  const ms = Date.now() - started;
  console.log(`[fuzz] ${target}: ${cases.length} cases in ${ms} ms, ${failures.length} failed`);
  if (failures.length > 0) {
    const list = failureLines(failures.slice(0, 5), params).map((l) => `  ${l}`);
    console.error(`[fuzz] ${target} (seed ${params.seed}) failures:\n${list.join('\n')}`);
    // Shrinks the first failures (their replays are sequential) for a minimal counterexample with the seed.
    await fc.assert(fc.asyncProperty(arb, check), {
      seed: params.seed,
      numRuns: 1,
      examples: failures.slice(0, 3).map((f) => [f.input]),
      verbose: 1,
      endOnFailure: true,
    });
    throw new Error(
      `${failures.length} of ${cases.length} cases failed (seed ${params.seed}; the first listed above), but fast-check's replay passed: flaky?`,
    );
  }
  return ms;
}

describe('fuzz: workflow inputs through Temporal', () => {
  let others: Fuzzed;
  let creates: Fuzzed;
  const imported = new Set<string>(['busybox']);
  const created = new Set<string>();

  beforeAll(async () => {
    [others, creates] = await Promise.all([fuzzedWorker('wf'), fuzzedWorker('create')]);
  });
  afterAll(async () => {
    for (const f of [others, creates]) {
      await f?.w.shutdown();
      if (f) await fs.rm(f.root, { recursive: true, force: true });
    }
  });

  it('regression: a lone surrogate echoed in a failure message no longer fails the worker', async () => {
    // shrunk from the fuzz: containerStop {"container": "\udc8f", …} → "No such container: \udc8f" →
    // "Cannot decode Completion from buffer: InvalidString", and the worker failed
    for (const [type, input] of [
      [WorkflowTypes.inspect, { container: '\ud800' }],
      [WorkflowTypes.create, { request: { image: 'busybox', labels: { '\udc00': '' } } }],
    ] as const) {
      expect(await runWorkflow(others, type, [input])).toEqual({ refused: 'InvalidParameter' });
    }
    expect(others.w.worker.getState()).toBe('RUNNING');
  });

  it('every workflow type but create: a genuine result or a typed 4xx, promptly; nothing created, nothing left running', async () => {
    const params = fuzzParams('workflow inputs', 1000);
    const tally: Record<string, number> = {};
    await fuzzThrough(
      'workflow inputs',
      params,
      workflowCase.filter((c) => !waitsForHandOver(c)),
      async (c) => {
        const out = await runWorkflow(others, c.type, c.args);
        const key = 'ok' in out ? `${c.type}: ok` : `${c.type}: ${out.refused}`;
        tally[key] = (tally[key] ?? 0) + 1;
        if ('ok' in out && c.type === WorkflowTypes.imageImport) imported.add((out.ok as { name: string }).name);
      },
    );
    console.log(`[fuzz] workflow inputs outcomes: ${show(tally, 4000)}`);
    // nothing was created: no container, no image but those imported on purpose, no resource held
    expect(await others.sim.list()).toEqual([]);
    expect((await others.sim.listImages()).map((i) => i.name).sort()).toEqual([...imported].sort());
    expect(await others.sim.driver.heldResources()).toEqual([]);
    expect(others.w.worker.getState()).toBe('RUNNING');
  }, 600_000);

  it('containerCreate: a valid record or a typed 4xx; the containers there are exactly the ones created', async () => {
    const params = fuzzParams('create inputs', 1000);
    const tally: Record<string, number> = {};
    await fuzzThrough('create inputs', params, createCase, async (c) => {
      const out = await runWorkflow(creates, c.type, c.args);
      const key = 'ok' in out ? 'created' : out.refused;
      tally[key] = (tally[key] ?? 0) + 1;
      if ('ok' in out) {
        const { Id } = out.ok as { Id: string };
        created.add(Id);
        // genuinely valid: the record reads back with the types the rest of the code relies on
        const rec = await creates.sim.lookup(Id);
        expect(rec.Config.Cmd.every((a) => typeof a === 'string')).toBe(true);
        expect(typeof rec.Config.Image).toBe('string');
        expect(Number.isSafeInteger(rec.HostConfig.Memory)).toBe(true);
      }
    });
    console.log(`[fuzz] create inputs outcomes: ${show(tally)}`);
    expect((await creates.sim.list()).map((r) => r.Id).sort()).toEqual([...created].sort());
    expect(await creates.sim.driver.heldResources()).toEqual([]);
    expect(creates.w.worker.getState()).toBe('RUNNING');
  }, 600_000);

  it('the same hostile inputs started by type name with the temporal CLI fail typed, not stuck', async () => {
    const temporal = inject('temporalCliPath');
    const cases: Array<[string, string]> = [
      [WorkflowTypes.start, 'null'],
      [WorkflowTypes.create, '{"request": {"image": 5, "cmd": "sh"}}'],
      [WorkflowTypes.monitor, '{}'],
      [WorkflowTypes.stop, '"garbage"'],
      [WorkflowTypes.kill, '{"container": "nosuch", "signal": null}'],
      [WorkflowTypes.execOutput, '{"container": "../../../etc", "execId": "x"}'],
    ];
    // Plaintext (no codec) is refused before the input is read; through the codec server, the input check answers.
    const codec = await startCodecServer({
      ...{ codec: loadCodec().codec, token: randomUUID(), origins: [] },
      ...{ host: '127.0.0.1', port: 0 },
    });
    try {
      for (const [type, input] of cases) {
        for (const [codecArgs, expected] of [
          [[], 'PayloadRefused'],
          [['--codec-endpoint', codec.endpoint], 'InvalidParameter'],
        ] as const) {
          const workflowId = `fuzz-cli-${type}-${randomUUID()}`;
          await execFileAsync(temporal, [
            'workflow',
            'start',
            ...['--address', others.w.address, '--task-queue', others.w.taskQueue],
            ...['--type', type, '--workflow-id', workflowId, '--input', input, ...codecArgs],
          ]);
          const handle = others.w.client.workflow.getHandle(workflowId);
          const ended = await Promise.race([
            handle.result().then(
              () => 'completed',
              (e: unknown) => e,
            ),
            new Promise((r) => setTimeout(() => r('stuck'), DEADLINE_MS)),
          ]);
          expect(ended, `${type} ${input}`).toBeInstanceOf(WorkflowFailedError);
          const cause = (ended as WorkflowFailedError).cause as ApplicationFailure;
          const what = `${type} ${input} ${codecArgs.length ? 'encrypted' : 'plaintext'}: ${cause.message}`;
          expect([cause.type, cause.nonRetryable], what).toEqual([expected, true]);
          const { stdout } = await execFileAsync(temporal, [
            ...['workflow', 'describe', '--address', others.w.address],
            ...['--workflow-id', workflowId, '-o', 'json'],
          ]);
          expect(JSON.parse(stdout).workflowExecutionInfo.status).toBe('WORKFLOW_EXECUTION_STATUS_FAILED');
        }
      }
    } finally {
      await codec.close();
    }
  }, 120_000);

  it("create flag vectors through the real CLI: exit 125 with a usage line, 1 with the daemon's line, or 0 and an ID", async () => {
    const params = fuzzParams('cli binary', 8, 'cli create flags');
    // real argv cannot carry NUL bytes: those stay with the in-process target
    const argv = fc.sample(
      flagVector.filter((v) => !v.args.some((a) => a.includes('\0'))),
      { seed: params.seed, numRuns: params.numRuns },
    );
    const failures = await runConcurrently(argv, 4, async (v) => {
      const r = await cli(creates.w, ['create', ...v.args]);
      const lines = r.stderr.trimEnd().split('\n').filter(Boolean);
      if (r.code === 125 && lines.length === 1 && lines[0]!.startsWith('container-saga: ')) return;
      if (r.code === 1 && lines.length === 1 && lines[0]!.startsWith('Error response from daemon: ')) return;
      if (r.code === 0 && /^[0-9a-f]{64}$/.test(r.stdout.trim())) return void created.add(r.stdout.trim());
      throw new Error(`exit ${r.code}, stderr ${JSON.stringify(r.stderr.slice(0, 500))}`);
    });
    expect(failures.map((f) => `${show(f.input)}: ${String(f.error)}`)).toEqual([]);
  }, 120_000);

  // Known, not fixed yet: the monitor waits for its first run's hand-over (the saga's signal-with-start); one
  // started by name without it stays open for ever. Ending it needs a change to the monitor's commands
  // (patched()). `it.fails` turns red once it is fixed: then drop `.fails` and the generator's filter.
  it('a monitor started by name without its host is refused at once (InvalidParameter)', async () => {
    const handle = await others.w.client.workflow.start(WorkflowTypes.monitor, {
      taskQueue: others.w.taskQueue,
      workflowId: `fuzz-monitor-${randomUUID()}`,
      args: [{ containerId: 'f'.repeat(64) }],
    });
    const err = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String((err as { cause?: unknown }).cause)).toMatch(/invalid input: host: missing/);
  });

  it.fails(
    'a monitor started by name with no run ends',
    async () => {
      const handle = await others.w.client.workflow.start(WorkflowTypes.monitor, {
        taskQueue: others.w.taskQueue,
        workflowId: `fuzz-monitor-${randomUUID()}`,
        args: [{ containerId: 'f'.repeat(64), host: 'a' }],
      });
      const ended = await Promise.race([
        handle.result().then(
          () => true,
          () => true,
        ),
        new Promise<false>((r) => setTimeout(() => r(false), 10_000)),
      ]);
      if (!ended) await handle.terminate('fuzz: a monitor with no run').catch(() => undefined);
      expect(ended).toBe(true);
    },
    60_000,
  );

  it('no fuzzed workflow is left open on either task queue', async () => {
    for (const f of [others, creates]) {
      const open: string[] = [];
      // the host registry runs for as long as the task queue has hosts (its worker registered at start-up)
      const query = `TaskQueue = '${f.w.taskQueue}' AND ExecutionStatus = 'Running' AND WorkflowType != '${WorkflowTypes.hosts}'`;
      for await (const wf of f.w.client.workflow.list({ query })) {
        // visibility lags behind (a monitor the test above just terminated can still be listed under load):
        // each listed one is asked itself, which is consistent
        const now = await f.w.client.workflow.getHandle(wf.workflowId, wf.runId).describe();
        if (now.status.name === 'RUNNING') open.push(`${wf.type} ${wf.workflowId}`);
      }
      expect(open).toEqual([]);
    }
  });
});
