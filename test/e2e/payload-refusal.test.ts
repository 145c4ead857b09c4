/**
 * Encryption fails closed (issue 28): against a real dev server and a worker (simulated driver), whatever is not
 * encrypted under an active key of the worker's key file, for the workflow that receives it, is refused at once
 * with PayloadRefused and nothing is created; a plaintext signal is dropped; a retired key's history replays
 * and still decodes for readers.
 */
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowFailedError, type DataConverter } from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AesGcmCodec } from '../../codec/aes-gcm-codec';
import { addKey, ensureKeyFile, newKey, readKeyFile, retireKey } from '../../codec/key-file';
import { dataConverterOf, loadCodec, workerDataConverter } from '../../codec/load';
import { startCodecServer } from '../../codec/server';
import { monitorWorkflowId, RUN_STARTED_SIGNAL } from '../../common/monitor-api';
import { startDevServer, type DevServer } from '../../scripts/dev-server';
import { workflowSources } from '../../worker/create';
import { cli, startTestWorker, type TestWorker, until } from '../harness';
import { simulatedRuntime } from '../runtimes';

let dir: string;
let server: DevServer;
let w: TestWorker;
let connection: Connection;
const roots = { main: '' };

/** A privileged create that binds the host's / (the attack), by workflow type as any client can send it. */
const attack = (name: string) => ({
  request: { name, image: 'busybox', cmd: ['sleep', '300'], hostConfig: { Privileged: true, Binds: ['/:/h'] } },
});

/** An event's type name, e.g. EVENT_TYPE_ACTIVITY_TASK_SCHEDULED (the history holds the enum's number). */
const eventName = (e: temporal.api.history.v1.IHistoryEvent) => temporal.api.enums.v1.EventType[e.eventType!];

/** The history of a workflow failed in its first task: no activity, timer or child, no failed task retried. */
const REFUSED_AT_ONCE = [
  'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
  'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
  'EVENT_TYPE_WORKFLOW_TASK_STARTED',
  'EVENT_TYPE_WORKFLOW_TASK_COMPLETED',
  'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED',
];

const clientWith = (dataConverter: DataConverter = {}) => new Client({ connection, dataConverter });

/** Starts containerCreate through `client`; the workflow's failure once it ends. */
async function createFailure(client: Client, workflowId: string, name: string, taskQueue = w.taskQueue) {
  const started = Date.now();
  const handle = await client.workflow.start('containerCreate', { taskQueue, workflowId, args: [attack(name)] });
  const err = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  const history = await handle.fetchHistory();
  const types = history.events!.map(eventName);
  return { cause, ms: Date.now() - started, types };
}

async function containerNames(root: string): Promise<string[]> {
  const dirOf = path.join(root, 'containers');
  if (!existsSync(dirOf)) return [];
  const ids = await fs.readdir(dirOf);
  return Promise.all(
    ids.map(async (id) => JSON.parse(await fs.readFile(path.join(dirOf, id, 'config.json'), 'utf8')).Name as string),
  ).catch(() => ids);
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-refusal-'));
  server = await startDevServer({ uiPort: false, log: path.join(dir, 'server.log') });
  connection = await Connection.connect({ address: server.address });
  roots.main = path.join(dir, 'main');
  w = await startTestWorker(server.address, simulatedRuntime(roots.main));
  const imported = await cli(w, ['image', 'import', 'busybox', 'busybox-static']);
  expect(imported.code, imported.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await w?.shutdown();
  await connection?.close();
  await server?.stop();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('a worker refuses what is not encrypted for it, at once, creating nothing', () => {
  it('control: the same create through the encrypting client creates the container', async () => {
    const r = await w.client.workflow.execute('containerCreate', {
      taskQueue: w.taskQueue,
      workflowId: 'control-create',
      args: [{ request: { name: 'control', image: 'busybox', cmd: ['sleep', '300'] } }],
    });
    expect(r).toMatchObject({ Id: expect.any(String) });
    expect(await cli(w, ['inspect', '--format', '{{.Name}}', 'control'])).toMatchObject({ code: 0 });
  });

  it('(a) plaintext input (a Temporal client without the codec): PayloadRefused, no activity, no container', async () => {
    const { cause, ms, types } = await createFailure(clientWith(), 'plain-create', 'pwn-plain');
    expect(cause.type).toBe('PayloadRefused');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toMatch(/^payload refused: not encrypted; this worker accepts only payloads encrypted under/);
    expect(cause.message).toContain('copy that file to the client, or set CONTAINER_SAGA_CODEC_KEYS');
    // failed in its first workflow task: started, task scheduled/started/completed, failed
    expect(types).toEqual(REFUSED_AT_ONCE);
    expect(ms).toBeLessThan(10_000);
    const ps = await cli(w, ['ps', '-a']);
    expect(ps.stdout).toContain('control');
    expect(ps.stdout).not.toContain('pwn');
    expect(await containerNames(roots.main)).not.toContain('/pwn-plain');
  });

  it('(b) a foreign key: PayloadRefused naming the key', async () => {
    const foreign = newKey();
    const client = clientWith({ payloadCodecs: [new AesGcmCodec([foreign], 'a foreign key file')] });
    const { cause, types } = await createFailure(client, 'foreign-create', 'pwn-foreign');
    expect(cause.type).toBe('PayloadRefused');
    expect(cause.message).toContain(`encrypted with key "${foreign.id}", which is not in the key file`);
    expect(types).toEqual(REFUSED_AT_ONCE);
    expect((await cli(w, ['ps', '-a'])).stdout).not.toContain('pwn');
  });

  it('(c) a payload encrypted for workflow X, replayed as the input of workflow Y: refused', async () => {
    const real = loadCodec().codec;
    // What an eavesdropper on X's history holds: X's input, sealed with the right key, bound to X.
    const [stolen] = await real.encode([defaultPayloadConverter.toPayload(attack('pwn-replayed'))], {
      type: 'workflow',
      namespace: 'default',
      workflowId: 'workflow-X',
    });
    const replaying: PayloadCodec = { encode: async () => [stolen!], decode: (p) => real.decode(p) };
    const { cause, types } = await createFailure(clientWith({ payloadCodecs: [replaying] }), 'workflow-Y', 'x');
    expect(cause.type).toBe('PayloadRefused');
    expect(cause.message).toBe(
      'payload refused: payload bound to workflow workflow-X of namespace default cannot be used by workflow workflow-Y of namespace default',
    );
    expect(types).toEqual(REFUSED_AT_ONCE);
    expect((await cli(w, ['ps', '-a'])).stdout).not.toContain('pwn');
  });

  it('(e) a plaintext signal to a running monitor is dropped; the monitor and its container keep running', async () => {
    const run = await cli(w, ['run', '-d', '--name', 'watched', 'busybox', 'sleep', '1000']);
    expect(run.code, run.stderr).toBe(0);
    const id = run.stdout.trim();
    const monitor = w.client.workflow.getHandle(monitorWorkflowId(id));
    await until('the monitor running', async () =>
      (await monitor.describe()).status.name === 'RUNNING' ? true : undefined,
    );
    const plain = clientWith().workflow.getHandle(monitorWorkflowId(id));
    await plain.signal(RUN_STARTED_SIGNAL, { pid: 1, startedAt: new Date().toISOString() });
    // the signal is in its history and a workflow task after it completed without failing the monitor
    await until('the signal handled', async () => {
      const events = (await monitor.fetchHistory()).events!.map(eventName);
      const at = events.findIndex((t) => t.includes('SIGNALED'));
      return at >= 0 && events.slice(at).some((t) => t.includes('WORKFLOW_TASK_COMPLETED')) ? true : undefined;
    });
    expect((await monitor.describe()).status.name).toBe('RUNNING');
    const events = (await monitor.fetchHistory()).events!.map(eventName);
    expect(events.filter((t) => /WORKFLOW_(TASK|EXECUTION)_FAILED/.test(t))).toEqual([]);
    const state = await cli(w, ['inspect', '--format', '{{.State.Status}}', 'watched']);
    expect(state.stdout.trim()).toBe('running');
    expect((await cli(w, ['rm', '-f', 'watched'])).code).toBe(0);
  });
});

describe('(d) retiring a key', () => {
  it('new work under the retired key fails at once; its history replays; clients and the codec server decode it', async () => {
    const file = path.join(dir, 'rotating', 'codec-keys.json');
    ensureKeyFile(file);
    const env = { CONTAINER_SAGA_CODEC_KEYS: file };
    const underA = loadCodec(env);
    const keyA = underA.keys[0]!.id;
    const worker1 = await startTestWorker(server.address, simulatedRuntime(path.join(dir, 'rot1')), {
      dataConverter: dataConverterOf(underA),
    });
    let history;
    try {
      await worker1.client.workflow.execute('imageImport', {
        taskQueue: worker1.taskQueue,
        workflowId: 'import-under-A',
        args: [{ name: 'busybox', source: 'busybox-static' }],
      });
      history = await worker1.client.workflow.getHandle('import-under-A').fetchHistory();
    } finally {
      await worker1.shutdown();
    }
    // rotate: add B, retire A
    const keyB = addKey(file).id;
    retireKey(file, keyA);
    expect(readKeyFile(file).map((k) => [k.id, Boolean(k.retired)])).toEqual([
      [keyA, true],
      [keyB, false],
    ]);
    const rotated = loadCodec(env);
    const worker2 = await startTestWorker(server.address, simulatedRuntime(path.join(dir, 'rot2')), {
      dataConverter: dataConverterOf(rotated),
    });
    try {
      // a client still holding the old file: refused at once, nothing created
      const { cause, types } = await createFailure(
        clientWith(dataConverterOf(underA)),
        'create-under-retired-A',
        'pwn-retired',
        worker2.taskQueue,
      );
      expect(cause.type).toBe('PayloadRefused');
      expect(cause.message).toMatch(new RegExp(`^payload refused: encrypted with key "${keyA}", retired `));
      expect(types).toEqual(REFUSED_AT_ONCE);
      expect(await containerNames(path.join(dir, 'rot2'))).toEqual([]);
      // the new key works on the same worker
      const ok = await worker2.client.workflow.execute('imageList', {
        taskQueue: worker2.taskQueue,
        workflowId: 'list-under-B',
        args: [],
      });
      expect(Array.isArray(ok)).toBe(true);
    } finally {
      await worker2.shutdown();
    }
    // the history recorded under A replays with the retired-A file (and not with a file that lacks A: the control)
    const replay = (dc: DataConverter) =>
      Worker.runReplayHistory(
        { ...workflowSources(), dataConverter: workerDataConverter(dc) },
        history!,
        'import-under-A',
      );
    await replay(dataConverterOf(rotated));
    const withoutA = { payloadCodecs: [new AesGcmCodec([newKey()], 'a file without A')] };
    await expect(replay(withoutA)).rejects.toThrow();
    // readers: a client with the rotated file, and the codec server, decode A's payloads
    const reader = clientWith(dataConverterOf(rotated));
    expect(await reader.workflow.getHandle('import-under-A').result()).toBeDefined();
    const codecServer = await startCodecServer({
      codec: rotated.codec,
      token: 't',
      origins: [],
      host: '127.0.0.1',
      port: 0,
    });
    try {
      const input = history!.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
      const res = await fetch(`${codecServer.url}/decode`, {
        method: 'POST',
        headers: { Authorization: 'Bearer t' },
        body: JSON.stringify({
          payloads: input.map((p) => ({
            metadata: Object.fromEntries(
              Object.entries(p.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
            ),
            data: Buffer.from(p.data!).toString('base64'),
          })),
        }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { payloads: Array<{ data: string }> };
      expect(JSON.parse(Buffer.from(body.payloads[0]!.data, 'base64').toString())).toEqual({
        name: 'busybox',
        source: 'busybox-static',
      });
    } finally {
      await codecServer.close();
    }
  }, 120_000);
});
