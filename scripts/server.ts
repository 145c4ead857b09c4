/**
 * `npm run server`: the Temporal dev server in the foreground, for operators. Frontend on the port of
 * TEMPORAL_ADDRESS (default localhost:7233; bound to 127.0.0.1), Web UI on TEMPORAL_UI_PORT (default 8233),
 * history in SQLite at <state root>/temporal/temporal.db so it survives restarts, and the search attributes
 * the start saga upserts registered. Runs until SIGINT/SIGTERM, then stops the server cleanly.
 * It also makes sure the payload codec's key file exists (creating <state root>/codec-keys.json, mode 0600) and
 * runs the codec server (CONTAINER_SAGA_CODEC_ADDRESS) the Web UI decodes payloads through.
 */
import path from 'node:path';
import { describeCodec } from '../codec/load';
import { prepareKeyFile, startUiCodecServer } from '../codec/ui-codec';
import { getConfig } from '../config';
import { isServerUp, startDevServer } from './dev-server';

function portOf(address: string): number {
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    throw new Error(`TEMPORAL_ADDRESS must be host:port (got "${address}")`);
  return port;
}

async function main(): Promise<void> {
  const config = getConfig();
  const { address, uiPort, root } = config;
  const port = portOf(address);
  if (await isServerUp(address))
    throw new Error(`a Temporal server already answers on ${address}; stop it first or set TEMPORAL_ADDRESS`);
  const { loaded, created } = prepareKeyFile();
  console.log(`server: ${describeCodec(loaded)}${created ? ' (key file created, mode 0600)' : ''}`);
  const codec = await startUiCodecServer(config, loaded, (err) =>
    console.error(`server: codec server: ${String(err)}`),
  );

  const dbFile = path.join(root, 'temporal', 'temporal.db');
  const log = path.join(root, 'temporal', 'server.log');
  console.log(`server: starting the Temporal dev server (history in ${dbFile}, log in ${log})`);
  const server = await startDevServer({ port, uiPort, dbFile, log, uiCodecEndpoint: codec.endpoint }).catch(
    async (err: unknown) => {
      await codec.close();
      throw err;
    },
  );
  console.log(`server: Temporal on ${server.address}  (TEMPORAL_ADDRESS=${server.address})`);
  console.log(`server: Web UI on ${server.uiUrl}, decoding payloads through the codec server ${codec.url}`);
  console.log(`server: codec endpoint (secret) ${codec.endpoint}  (temporal workflow show --codec-endpoint …)`);
  console.log('server: Ctrl-C to stop');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`server: ${signal}, stopping`);
    Promise.all([server.stop(), codec.close()]).then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`server: stop failed: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // A terminal's Ctrl-C reaches the whole process group, so the server may exit cleanly (code 0) before
  // our own SIGINT handler has run: that is a normal stop, not a crash.
  server.process.once('exit', (code, signal) => {
    if (stopping) return;
    if (code === 0) {
      console.log('server: the Temporal dev server stopped');
      process.exit(0);
    }
    console.error(`server: the Temporal dev server exited on its own (${signal ?? `exit code ${code}`}); see ${log}`);
    process.exit(1);
  });
}

main().catch((err: unknown) => {
  console.error(`server: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
