import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createContainer, inspect, list, logsPage, readEvents, run } from '../../client/api';
import { CliError } from '../../client/errors';
import { read } from '../../client/reads';
import { readsWorkflowId, WorkflowTypes } from '../../common/names';
import { SERVED_QUERY, type ReadsServed } from '../../common/reads-api';
import type { ContainerRecord } from '../../common/types';
import { getConfig } from '../../config';
import type { SimulatedRuntime } from '../../runtime/simulated-runtime';
import { simulatedRuntime } from '../runtimes';
import type { containerInspect } from '../../workflows/ops';
import type { containerReads } from '../../workflows/reads';
import { cli, startTestWorker, type TestWorker, until } from '../harness';
import { pageText } from '../../runtime/logs';

// The read path (workflows/reads.ts): reads are Updates of one reads workflow per task queue, so they add no
// workflow run each; state changes still do. Simulated driver, in-process workers on their own task queues.

const workers: TestWorker[] = [];
const roots: string[] = [];

async function worker(): Promise<{ w: TestWorker; sim: SimulatedRuntime }> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-reads-'));
  roots.push(root);
  const sim = simulatedRuntime(root);
  const w = await startTestWorker(inject('temporalAddress'), sim);
  workers.push(w);
  return { w, sim };
}

afterAll(async () => {
  for (const w of workers) await w.shutdown();
  for (const root of roots) await fs.rm(root, { recursive: true, force: true });
});

/** Workflow executions on the task queue as visibility lists them: type and workflow ID of each run. */
async function executions(
  w: TestWorker,
): Promise<Array<{ type: string; workflowId: string; runId: string; status: string }>> {
  const out: Array<{ type: string; workflowId: string; runId: string; status: string }> = [];
  for await (const e of w.client.workflow.list({ query: `TaskQueue = '${w.taskQueue}'` }))
    out.push({ type: e.type, workflowId: e.workflowId, runId: e.runId, status: e.status.name });
  return out;
}

/** The executions once visibility has caught up: the same count twice, 500 ms apart. */
async function settled(w: TestWorker) {
  let last = await executions(w);
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const now = await executions(w);
    if (now.length === last.length) return now;
    last = now;
  }
  return last;
}

/** What the user's verbs made: neither the reads workflow nor the host registry (both one per queue, long-lived). */
const notReads = (xs: Array<{ type: string }>) =>
  xs.filter((x) => x.type !== WorkflowTypes.reads && x.type !== WorkflowTypes.hosts);

describe('reads through the reads workflow (simulated driver)', () => {
  let w: TestWorker;
  let sim: SimulatedRuntime;
  beforeAll(async () => ({ w, sim } = await worker()));

  it('20 CLI reads add no workflow run; create, start, exec, stop and rm still add theirs', async () => {
    const ok = async (args: string[]) => {
      const r = await cli(w, args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r.stdout;
    };
    const id = (await ok(['create', '--name', 'r1', 'busybox', 'sleep', '1000'])).trim();
    await ok(['start', 'r1']);
    await fs.mkdir(path.dirname(sim.driver.layout.log(id)), { recursive: true });
    await fs.writeFile(sim.driver.layout.log(id), 'hello\n');
    const before = await settled(w);
    // create, start, the container's monitor; the start's name lookup started the reads workflow
    expect(
      notReads(before)
        .map((e) => e.type)
        .sort(),
    ).toEqual([WorkflowTypes.create, WorkflowTypes.monitor, WorkflowTypes.start]);
    expect(before.filter((e) => e.type === WorkflowTypes.reads).map((e) => e.workflowId)).toEqual([
      readsWorkflowId(w.taskQueue),
    ]);

    const reads = [
      ['ps'],
      ['ps', '-a'],
      ['inspect', 'r1'],
      ['logs', 'r1'],
      ['events', '--no-follow'],
      ['image', 'ls'],
      ['inspect', '-f', '{{.State.Status}}', 'r1'],
    ];
    const outputs: string[] = [];
    for (let i = 0; i < 20; i += 4) {
      outputs.push(...(await Promise.all(Array.from({ length: 4 }, (_, j) => ok(reads[(i + j) % reads.length]!)))));
    }
    // the reads read what is there
    // (ps's last column is the container's HOST: this worker's)
    expect(outputs[0]).toMatch(new RegExp(`\\n${id.slice(0, 12)}\\s+busybox.*\\sr1\\s+${getConfig().host}\\n`));
    expect((JSON.parse(outputs[2]!) as ContainerRecord[])[0]!.Id).toBe(id);
    expect(outputs[3]).toBe('hello\n');
    expect(outputs[6]).toBe('running\n');

    const after = await settled(w);
    expect(after).toEqual(before);

    // exec: one workflow (containerExec); its container lookup and output pages are reads
    expect(await ok(['exec', 'r1', 'true'])).toBe('');
    await ok(['stop', 'r1']);
    await ok(['rm', 'r1']);
    const changed = await settled(w);
    expect(
      notReads(changed)
        .map((e) => e.type)
        .sort(),
    ).toEqual(
      [
        WorkflowTypes.create,
        WorkflowTypes.exec,
        WorkflowTypes.monitor,
        WorkflowTypes.remove,
        WorkflowTypes.start,
        WorkflowTypes.stop,
      ].sort(),
    );
    expect(changed.filter((e) => e.type === WorkflowTypes.reads)).toEqual(
      before.filter((e) => e.type === WorkflowTypes.reads),
    );
  }, 240_000); // 25 CLI processes, a few at a time

  it("a failed read is Docker's error, as the read's own workflow failed: CLI line, type, status", async () => {
    // docker inspect's own wording for a NoSuchContainer, and the daemon's message for logs
    const missing = await cli(w, ['inspect', 'nosuch']);
    expect([missing.code, missing.stdout, missing.stderr]).toEqual([1, '[]\n', 'Error: No such object: nosuch\n']);
    const noLogs = await cli(w, ['logs', 'nosuch']);
    expect([noLogs.code, noLogs.stderr]).toEqual([1, 'Error response from daemon: No such container: nosuch\n']);

    const viaUpdate = await inspect(w.session, 'nosuch').catch((e: unknown) => e);
    const viaWorkflow = await run<typeof containerInspect>(w.session, WorkflowTypes.inspect, {
      args: [{ container: 'nosuch' }],
    }).catch((e: unknown) => e);
    expect(viaUpdate).toBeInstanceOf(CliError);
    expect(viaWorkflow).toBeInstanceOf(CliError);
    const fields = (e: CliError) => ({
      type: e.type,
      status: e.status,
      origin: e.origin,
      message: e.message,
      exitCode: e.exitCode,
    });
    expect(fields(viaUpdate as CliError)).toEqual({
      type: 'NoSuchContainer',
      status: 404,
      origin: 'daemon',
      message: 'No such container: nosuch',
      exitCode: 1,
    });
    expect(fields(viaUpdate as CliError)).toEqual(fields(viaWorkflow as CliError));

    const logs = (await logsPage(w.session, 'nosuch').then(
      () => undefined,
      (e: unknown) => e,
    )) as CliError;
    expect(logs).toBeInstanceOf(CliError);
    expect([logs.type, logs.status, logs.message]).toEqual(['NoSuchContainer', 404, 'No such container: nosuch']);
  }, 120_000);

  it("a malformed read is refused (400) by its validator, with its workflow's input check, and served nothing", async () => {
    await list(w.session, true); // the reads workflow runs
    const handle = w.client.workflow.getHandle(readsWorkflowId(w.taskQueue));
    const served = await handle.query<ReadsServed>(SERVED_QUERY);
    const refused = async (...args: Parameters<typeof read>) =>
      (await read(...args).then(
        () => undefined,
        (e: unknown) => e,
      )) as CliError;
    const cases: Array<[Parameters<typeof read>, string]> = [
      [[w.session, 'inspect', 'web' as never], 'invalid input: containerInspect takes an object, got a string'],
      [[w.session, 'list', {} as never], 'invalid input: all: missing'],
      [[w.session, 'logs', { container: 'r1', tail: -1 }], 'invalid input: tail: want an integer of at least 0'],
      [[w.session, 'imageList', [] as never], 'invalid input: imageList takes an object'],
    ];
    for (const [args, message] of cases) {
      const e = await refused(...args);
      expect(e).toBeInstanceOf(CliError);
      expect([e.type, e.status, e.message]).toEqual(['InvalidParameter', 400, message]);
    }
    expect(await handle.query<ReadsServed>(SERVED_QUERY)).toEqual(served);
  });
});

describe('the reads workflow continues as new under reads', () => {
  it('under steady readers it still continues as new (reads refused meanwhile are sent again): every read served once, correct, over many runs', async () => {
    const { w, sim } = await worker();
    const workflowId = readsWorkflowId(w.taskQueue);
    // Started first with a tiny bound (a read costs about 6 events): the reads below find it (USE_EXISTING).
    await w.client.workflow.start<typeof containerReads>(WorkflowTypes.reads, {
      taskQueue: w.taskQueue,
      workflowId,
      args: [{ maxEvents: 30 }],
    });

    const { Id: id } = await createContainer(w.session, {
      name: 'can',
      image: 'busybox',
      cmd: ['sleep', '1000'],
      labels: {},
    });
    const text = Array.from({ length: 200 }, (_, i) => `line ${i}\n`).join('');
    await fs.mkdir(path.dirname(sim.driver.layout.log(id)), { recursive: true });
    await fs.writeFile(sim.driver.layout.log(id), text);

    // 6 readers at once, 15 reads each, of every kind but exec output (no exec here): one always in flight,
    // so the run can continue as new only by refusing new reads meanwhile
    const perReader = 15;
    const readers = Array.from({ length: 6 }, async () => {
      for (let i = 0; i < perReader; i++) {
        switch (i % 4) {
          case 0:
            expect((await inspect(w.session, 'can')).Id).toBe(id);
            break;
          case 1:
            expect((await list(w.session, true)).map((c) => c.Id)).toEqual([id]);
            break;
          case 2:
            expect(pageText(await logsPage(w.session, 'can', { tail: 1 }))).toBe('line 199\n');
            break;
          default:
            expect((await readEvents(w.session, 0)).events.map((e) => e.action)).toEqual(['create']);
        }
      }
    });
    // and one reader paging through the log in small pages, its cursor crossing runs
    let paged = '';
    let pages = 0;
    const pager = (async () => {
      for (let cursor = 0, more = true; more; ) {
        const page = await logsPage(w.session, 'can', { cursor, limit: 200 });
        pages++;
        paged += pageText(page);
        cursor = page.next;
        more = page.more;
      }
    })();
    await Promise.all([...readers, pager]);
    expect(paged).toBe(text);
    // (a page's 200 bytes are the log's, entries with their times: more pages than the text's 200-byte parts)
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(text.length / 200));

    let seen: Awaited<ReturnType<typeof executions>> = [];
    let current = await w.client.workflow.getHandle(workflowId).describe();
    const runs = await until('the runs in visibility', async () => {
      seen = (await executions(w)).filter((e) => e.type === WorkflowTypes.reads);
      current = await w.client.workflow.getHandle(workflowId).describe(); // the workflow's current run
      // visibility is eventually consistent: a run that just continued as new may still show RUNNING for a
      // moment, before its successor shows at all; wait until the one RUNNING run is the current run
      const running = seen.filter((x) => x.status === 'RUNNING').map((x) => x.runId);
      return seen.filter((x) => x.status === 'CONTINUED_AS_NEW').length >= 5 &&
        running.length === 1 &&
        running[0] === current.runId
        ? seen
        : undefined;
    }).catch((err: Error) => {
      throw new Error(
        `${err.message}: ${JSON.stringify(seen.map((x) => [x.status, x.runId]))}, current run ${current.runId}`,
      );
    });
    expect(new Set(runs.map((r) => r.workflowId))).toEqual(new Set([workflowId]));
    // the one run visibility shows running is the workflow's current run
    expect(runs.filter((r) => r.status === 'RUNNING').map((r) => r.runId)).toEqual([current.runId]);
    // every read served exactly once, counted over all runs (the count is carried across continue-as-new)
    const served = await w.client.workflow.getHandle(workflowId).query<ReadsServed>(SERVED_QUERY);
    const byReaders = (kind: number) =>
      6 * Array.from({ length: perReader }, (_, i) => i % 4).filter((k) => k === kind).length;
    expect(served).toEqual({
      inspect: byReaders(0),
      list: byReaders(1),
      logs: byReaders(2) + pages,
      events: byReaders(3),
    });
  }, 120_000);

  it('a reads workflow started with a malformed input ends at once with InvalidParameter', async () => {
    const { w } = await worker();
    const failed = await w.client.workflow
      .execute(WorkflowTypes.reads, {
        taskQueue: w.taskQueue,
        workflowId: readsWorkflowId(w.taskQueue),
        args: [{ maxEvents: 'x' }],
      })
      .then(
        () => undefined,
        (e: unknown) => e as WorkflowFailedError,
      );
    expect(failed).toBeInstanceOf(WorkflowFailedError);
    expect(failed!.cause).toMatchObject({
      type: 'InvalidParameter',
      message: 'invalid input: maxEvents: want an integer',
    });
  });
});
