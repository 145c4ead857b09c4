/**
 * `npm run server`: the Temporal dev server for operators — frontend on TEMPORAL_ADDRESS (default
 * localhost:7233), Web UI on :8233 (TEMPORAL_UI_PORT), history in SQLite under the state root, and the
 * search attributes the saga upserts registered. Runs until Ctrl-C.
 */
import path from 'node:path';
import { stateRoot } from '../runtime/paths';
import { startDevServer } from './dev-server';

async function main(): Promise<void> {
  const address = process.env.TEMPORAL_ADDRESS ?? 'localhost:7233';
  const port = Number(address.split(':').pop());
  if (!Number.isInteger(port)) throw new Error(`TEMPORAL_ADDRESS must be host:port (got "${address}")`);
  const uiPort = Number(process.env.TEMPORAL_UI_PORT ?? 8233);
  const dbFile = path.join(stateRoot(), 'temporal', 'temporal.db');
  const server = await startDevServer({ port, uiPort, dbFile, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
  console.log(`Temporal dev server on ${server.address} (history in ${dbFile})`);
  console.log(`Web UI: ${server.uiUrl}`);
  console.log('Ctrl-C to stop.');
  let stopping = false;
  const shutdown = async () => {
    stopping = true;
    await server.stop();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  server.process.once('exit', (code) => {
    if (stopping) return;
    console.error(`temporal dev server exited (${code})`);
    process.exit(1);
  });
}

main().catch((err: unknown) => {
  console.error(`server: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
