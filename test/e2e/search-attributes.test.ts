import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, isServerUp, startDevServer } from '../../scripts/dev-server';
import { SearchAttributeTypes } from '../../common/names';
import { spawnWorker, writeBundle, type WorkerProcess } from '../durability/worker-process';
import { cli, until } from '../harness';

// A cluster whose namespace lacks the search attributes (a fresh self-hosted one): the worker registers them
// at start-up, so starts do not hang on BadSearchAttributes. A bare dev server of this file's own.

let dir: string;
let server: ChildProcess;
let worker: WorkerProcess;
const w = { address: '', taskQueue: `sa-${randomUUID()}` };

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-sa-'));
  const port = await freePort();
  w.address = `127.0.0.1:${port}`;
  server = spawn(
    inject('temporalCliPath'),
    ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error'],
    { stdio: 'ignore' },
  );
  await until('the bare dev server', async () => ((await isServerUp(w.address)) ? true : undefined));
  worker = await spawnWorker({
    TEMPORAL_ADDRESS: w.address,
    CONTAINER_SAGA_TASK_QUEUE: w.taskQueue,
    CONTAINER_SAGA_ROOT: path.join(dir, 'root'),
    CONTAINER_SAGA_DRIVER: 'simulated',
    CONTAINER_SAGA_WORKFLOW_BUNDLE: await writeBundle(dir),
  });
}, 120_000);

afterAll(async () => {
  await worker?.kill('SIGTERM');
  server?.kill('SIGTERM');
  await fs.rm(dir, { recursive: true, force: true });
});

describe('a namespace without the search attributes', () => {
  it('gets them from the worker at start-up, and a start completes', async () => {
    expect(worker.output()).toContain(
      `registered search attributes ${Object.keys(SearchAttributeTypes).join(', ')} in namespace default`,
    );
    const connection = await Connection.connect({ address: w.address });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      for (const name of Object.keys(SearchAttributeTypes)) expect(customAttributes?.[name], name).toBeDefined();
    } finally {
      await connection.close();
    }
    const run = await cli(w, ['run', '-d', '--name', 'tagged', 'busybox', 'sleep', '1000']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect((await cli(w, ['inspect', '-f', '{{.State.Status}}', 'tagged'])).stdout.trim()).toBe('running');
  });
});

describe('npm run server / the demo on a database made before some attributes existed', () => {
  it('registers the missing ones (the server applies --search-attribute only to a new database)', async () => {
    const dbFile = path.join(dir, 'old.db');
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const bare = spawn(
      inject('temporalCliPath'),
      [
        'server',
        'start-dev',
        '--headless',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--db-filename',
        dbFile,
        '--log-level',
        'error',
      ],
      { stdio: 'ignore' },
    );
    await until('the old-database dev server', async () => ((await isServerUp(address)) ? true : undefined));
    bare.kill('SIGTERM');
    await new Promise((r) => bare.once('exit', r));
    const server = await startDevServer({ dbFile, uiPort: false });
    try {
      const connection = await Connection.connect({ address: server.address });
      try {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
        for (const name of Object.keys(SearchAttributeTypes)) expect(customAttributes?.[name], name).toBeDefined();
      } finally {
        await connection.close();
      }
    } finally {
      await server.stop();
    }
  });
});
