import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type DataConverter } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection } from '@temporalio/worker';
import { ensureKeyFile } from '../../codec/key-file';
import { codecDataConverter } from '../../codec/load';
import { WORKFLOW_BUNDLE } from '../../worker/create';
import { startDevServer, type DevServer } from '../dev-server';
import type { Teardown } from './teardown';

export interface BenchTemporal {
  server: DevServer;
  /** for in-process workers */
  native: NativeConnection;
  client: Client;
  /** the workflows bundled once, for every in-process worker */
  workflowBundle: { code: string };
}

/**
 * What every in-process bench needs from Temporal: a headless dev server of its own, a worker connection, a
 * client with the given data converter, and the workflow bundle; each registered with the teardown as made.
 */
export async function benchTemporal(teardown: Teardown, dataConverter?: DataConverter): Promise<BenchTemporal> {
  const server = await startDevServer({ uiPort: false, detached: true });
  teardown.add('stop the Temporal dev server', () => server.stop());
  const native = await NativeConnection.connect({ address: server.address });
  teardown.add('close the worker connection', () => native.close());
  const connection = await Connection.connect({ address: server.address });
  teardown.add('close the client connection', () => connection.close());
  const client = new Client({ connection, ...(dataConverter ? { dataConverter } : {}) });
  const workflowBundle = {
    code: (await bundleWorkflowCode({ ...WORKFLOW_BUNDLE, logger: new DefaultLogger('WARN') })).code,
  };
  return { server, native, client, workflowBundle };
}

/**
 * A temp state root for a bench (removed by the teardown) with a codec key of its own, and the data converter
 * over that key, which the bench's client and its in-process workers share.
 */
export async function benchRoot(
  teardown: Teardown,
  prefix: string,
): Promise<{ root: string; dataConverter: DataConverter }> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  teardown.add(`remove ${root}`, () => fs.rm(root, { recursive: true, force: true }));
  process.env.CONTAINER_SAGA_CODEC_KEYS = path.join(root, 'codec-keys.json');
  ensureKeyFile(process.env.CONTAINER_SAGA_CODEC_KEYS);
  return { root, dataConverter: codecDataConverter() };
}
