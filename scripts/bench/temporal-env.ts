import { Client, Connection, type DataConverter } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../worker/create';
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
  const workflowBundle = { code: (await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') })).code };
  return { server, native, client, workflowBundle };
}
