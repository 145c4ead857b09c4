/**
 * `npm run server`: the Temporal dev server in the foreground, for operators. Frontend on the port of
 * TEMPORAL_ADDRESS (default localhost:7233; bound to 127.0.0.1), Web UI on TEMPORAL_UI_PORT (default 8233),
 * history in SQLite at <state root>/temporal/temporal.db so it survives restarts, and the search attributes
 * the start saga upserts registered. Runs until SIGINT/SIGTERM, then stops the server cleanly.
 * It also makes sure the payload codec's key file exists (creating <state root>/codec-keys.json, mode 0600) and
 * runs the codec server (CONTAINER_SAGA_CODEC_ADDRESS) the Web UI decodes payloads through.
 *
 * With `--mtls DIR` (or CONTAINER_SAGA_SERVER_MTLS_DIR) the frontend requires client certificates: the dev server
 * moves to a free loopback port and scripts/mtls-proxy.ts takes TEMPORAL_ADDRESS's port (or `--mtls-listen
 * HOST:PORT`, CONTAINER_SAGA_SERVER_MTLS_LISTEN), with the certificates in DIR (created when absent).
 */
import path from 'node:path';
import { describeCodec } from '../codec/load';
import { prepareKeyFile, startUiCodecServer } from '../codec/ui-codec';
import { getConfig } from '../config';
import { isServerUp, startDevServer } from './dev-server';
import { prepareMtlsFiles, startServerMtls, type ServerMtls } from './server-mtls';

function hostPort(address: string, what: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const port = Number(address.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535)
    throw new Error(`${what} must be host:port (got "${address}")`);
  return { host: address.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port };
}

/** `--mtls DIR` and `--mtls-listen HOST:PORT`, else their variables. */
function mtlsArgs(argv: string[], env: NodeJS.ProcessEnv): { dir?: string; listen?: string } {
  const out: { dir?: string; listen?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag !== '--mtls' && flag !== '--mtls-listen') throw new Error(`unknown argument "${flag}"`);
    const value = argv[++i];
    if (!value || value.startsWith('-')) throw new Error(`${flag} needs a value`);
    if (flag === '--mtls') out.dir = path.resolve(value);
    else out.listen = value;
  }
  out.dir ??= env.CONTAINER_SAGA_SERVER_MTLS_DIR ? path.resolve(env.CONTAINER_SAGA_SERVER_MTLS_DIR) : undefined;
  out.listen ??= env.CONTAINER_SAGA_SERVER_MTLS_LISTEN || undefined;
  if (out.listen && !out.dir) throw new Error('--mtls-listen needs --mtls DIR');
  return out;
}

async function main(): Promise<void> {
  const config = getConfig();
  const { address, uiPort, root } = config;
  const args = mtlsArgs(process.argv.slice(2), process.env);
  const wanted = hostPort(address, 'TEMPORAL_ADDRESS');
  if (await isServerUp(address))
    throw new Error(`a Temporal server already answers on ${address}; stop it first or set TEMPORAL_ADDRESS`);
  // mTLS: the dev server on a free loopback port, the proxy on the wanted one
  const mtlsListen = args.dir ? (args.listen ? hostPort(args.listen, '--mtls-listen') : wanted) : undefined;
  const port = mtlsListen ? undefined : wanted.port;
  const mtlsFiles = args.dir ? prepareMtlsFiles(args.dir, (line) => console.log(`server: ${line}`)) : undefined;
  const { loaded, created } = prepareKeyFile();
  console.log(`server: ${describeCodec(loaded)}${created ? ' (key file created, mode 0600)' : ''}`);
  const codec = await startUiCodecServer(config, loaded, (err) =>
    console.error(`server: codec server: ${String(err)}`),
  );

  const dbFile = path.join(root, 'temporal', 'temporal.db');
  const log = path.join(root, 'temporal', 'server.log');
  console.log(`server: starting the Temporal dev server (history in ${dbFile}, log in ${log})`);
  const server = await startDevServer({ port, uiPort, dbFile, log }).catch(async (err: unknown) => {
    await codec.close();
    throw err;
  });
  let mtls: ServerMtls | undefined;
  if (mtlsFiles && mtlsListen) {
    mtls = await startServerMtls(mtlsFiles, mtlsListen, server.address, (line) => console.log(`server: ${line}`)).catch(
      async (err: unknown) => {
        await Promise.all([server.stop(), codec.close()]);
        throw err;
      },
    );
    console.log(`server: Temporal (plaintext, this host only) on ${server.address}; clients use the proxy:`);
    for (const line of mtls.clientEnvLines()) console.log(`  ${line}`);
  } else console.log(`server: Temporal on ${server.address}  (TEMPORAL_ADDRESS=${server.address})`);
  // The endpoint holds the codec server's token: it is given to no process (argv) and not to the UI's server
  // (which serves its settings to anyone), only to the operator, who pastes it into their own browser.
  console.log(`server: Web UI on ${server.uiUrl}; codec server ${codec.url}`);
  console.log(`server: codec endpoint (secret) ${codec.endpoint}`);
  console.log(
    '  to see payloads decoded in the Web UI: Codec Server (top right) → "Use my browser setting" → paste it → Apply',
  );
  console.log('  (kept in that browser only); the CLI: temporal workflow show --codec-endpoint <endpoint> …');
  console.log('server: Ctrl-C to stop');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`server: ${signal}, stopping`);
    Promise.all([server.stop(), codec.close(), mtls?.close()]).then(
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
