import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FAULT_LABEL } from '../../runtime/faults';
import { simulatedRuntime } from '../runtimes';
import { docker, startTestApi, type TestApi } from '../api-harness';
import { spawnWorker, writeBundle, type WorkerProcess } from '../durability/worker-process';
import { cli } from '../harness';

// Fault injection is a test feature: a worker started without CONTAINER_SAGA_ALLOW_FAULTS=1 ignores a
// worker-wide CONTAINER_SAGA_FAULTS (with a warning) and refuses containers carrying the fault label, through
// the CLI and the Engine API alike. The real worker process, simulated driver.

let dir: string;
let root: string;
let worker: WorkerProcess;
let api: TestApi;
const w = { address: '', taskQueue: `faults-gate-${randomUUID()}` };

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-faults-gate-'));
  root = path.join(dir, 'root');
  w.address = inject('temporalAddress');
  worker = await spawnWorker({
    TEMPORAL_ADDRESS: w.address,
    CONTAINER_SAGA_TASK_QUEUE: w.taskQueue,
    CONTAINER_SAGA_ROOT: root,
    CONTAINER_SAGA_DRIVER: 'simulated',
    CONTAINER_SAGA_WORKFLOW_BUNDLE: await writeBundle(dir),
    // Would fail every start, were it honoured.
    CONTAINER_SAGA_FAULTS: 'process=fail',
    CONTAINER_SAGA_ALLOW_FAULTS: '0',
  });
  api = await startTestApi(w);
});

afterAll(async () => {
  await api?.close();
  await worker?.kill('SIGTERM');
  await fs.rm(dir, { recursive: true, force: true });
});

describe('a worker without CONTAINER_SAGA_ALLOW_FAULTS=1', () => {
  it('warns that CONTAINER_SAGA_FAULTS is ignored, and ignores it: a start succeeds', async () => {
    expect(worker.output()).toContain(
      'CONTAINER_SAGA_FAULTS ignored: fault injection needs CONTAINER_SAGA_ALLOW_FAULTS=1',
    );
    expect(worker.output()).not.toContain('fault injection on');
    const run = await cli(w, ['run', '-d', '--name', 'plain', 'busybox', 'sleep', '1000']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const state = await cli(w, ['inspect', '-f', '{{.State.Status}}', 'plain']);
    expect(state.stdout.trim()).toBe('running');
  });

  it('refuses a create with the fault label through the CLI, and creates nothing', async () => {
    const res = await cli(w, [
      'create',
      '--name',
      'hooked',
      '--label',
      `${FAULT_LABEL}=process=fail`,
      'busybox',
      'sleep',
      '1000',
    ]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(
      `the label ${FAULT_LABEL} is for fault injection, which this worker does not allow (start it with CONTAINER_SAGA_ALLOW_FAULTS=1)`,
    );
    const names = (await simulatedRuntime(root).list()).map((c) => c.Name);
    expect(names).toEqual(['/plain']);
  });

  it('refuses it through the Engine API with a 400', async () => {
    const res = await docker(api, [
      'create',
      '--name',
      'hooked2',
      '--label',
      `${FAULT_LABEL}=volumes=fail`,
      'busybox',
      'true',
    ]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(`Error response from daemon: the label ${FAULT_LABEL} is for fault injection`);
    const raw = await fetchCreate(api.socketPath, {
      Image: 'busybox',
      Cmd: ['true'],
      Labels: { [FAULT_LABEL]: 'spec=fail' },
    });
    expect(raw.status).toBe(400);
    expect(JSON.parse(raw.body)).toEqual({
      message: expect.stringContaining(`the label ${FAULT_LABEL} is for fault injection`),
    });
  });
});

/** POST /containers/create over the unix socket, as any Engine API client would. */
async function fetchCreate(socketPath: string, body: object): Promise<{ status: number; body: string }> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, method: 'POST', path: '/v1.41/containers/create', headers: { 'Content-Type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
