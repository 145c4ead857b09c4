import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawnWorker, writeBundle, type WorkerProcess } from '../durability/worker-process';
import { docker } from '../api-harness';

// CONTAINER_SAGA_API=1: one worker process (`worker/main.ts`, simulated driver) serves the Engine API too,
// and the docker client reaches the worker's containers through it; SIGTERM ends both and removes the socket.

let dir: string;
let worker: WorkerProcess | undefined;
let socketPath: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-api-worker-'));
  socketPath = path.join(dir, 'run', 'docker.sock');
  worker = await spawnWorker({
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    CONTAINER_SAGA_TASK_QUEUE: `api-worker-${randomUUID()}`,
    CONTAINER_SAGA_DRIVER: 'simulated',
    CONTAINER_SAGA_ROOT: path.join(dir, 'state'),
    CONTAINER_SAGA_WORKFLOW_BUNDLE: await writeBundle(dir),
    CONTAINER_SAGA_API: '1',
    CONTAINER_SAGA_API_SOCKET: socketPath,
  });
});

afterAll(async () => {
  await worker?.kill();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

async function until(what: string, probe: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}:\n${worker?.output()}`);
}

describe('the worker with CONTAINER_SAGA_API=1', () => {
  it('serves the Engine API on its socket, through Temporal, and removes the socket on SIGTERM', async () => {
    await until('the API line', () => /Docker Engine API on unix:\/\//.test(worker!.output()));
    expect((await fs.stat(socketPath)).mode & 0o777).toBe(0o660);
    const host = { host: `unix://${socketPath}` };

    const info = await docker(host, ['info', '--format', '{{.Containers}} {{.OSType}} {{.LoggingDriver}}']);
    expect([info.code, info.stdout.trim()], info.stderr).toEqual([0, '0 linux json-file']);
    const version = await docker(host, ['version', '--format', '{{.Server.APIVersion}}']);
    expect([version.code, version.stdout.trim()], version.stderr).toEqual([0, '1.41']);

    await worker!.kill('SIGTERM');
    expect(worker!.child.exitCode, worker!.output()).toBe(0);
    await expect(fs.stat(socketPath)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
