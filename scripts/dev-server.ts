/**
 * Starts and stops `temporal server start-dev` (the CLI that `npm run setup` installs), with the search
 * attributes the start saga upserts registered. Used by `npm run server` and by the tests' global setup.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { SearchAttributeTypes } from '../common/names';
import { ensureSearchAttributes } from '../worker/search-attributes';
import { temporalCliPath } from './temporal-paths';

export interface DevServerOptions {
  /** frontend gRPC port on 127.0.0.1; a free one when omitted */
  port?: number;
  /** Web UI port; a free one when omitted; false for a headless server */
  uiPort?: number | false;
  /** SQLite file for history that survives restarts; in memory when omitted */
  dbFile?: string;
  /** namespace to create besides "default" (search attributes are registered in both) */
  namespace?: string;
  /** file that receives the server's output (appended); otherwise only its tail is kept, for errors */
  log?: string;
  /**
   * its own process group, so a terminal's Ctrl-C reaches only the caller, which stops the server when it has
   * stopped what uses it (the bench: a worker whose server went first retries its calls until it gives up)
   */
  detached?: boolean;
}

export interface DevServer {
  /** host:port of the frontend, for Connection.connect / NativeConnection.connect */
  address: string;
  /** the Web UI, unless headless */
  uiUrl?: string;
  process: ChildProcess;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone */
  stop(): Promise<void>;
}

const READY_DEADLINE_MS = 60_000;
const KILL_AFTER_MS = 5_000;
const SEARCH_ATTRIBUTES = Object.keys(SearchAttributeTypes) as Array<keyof typeof SearchAttributeTypes>;

/**
 * The history service reads new transfer tasks (a workflow task to dispatch after an activity completes, say)
 * at most 20 times a second by default, a limit sized for a shared cluster. On a one-host dev server it sets
 * the pace of a saga: every step after the first two starts waits for the next 50 ms tick.
 */
const DYNAMIC_CONFIG: Record<string, string> = {
  'history.transferProcessorMaxPollRPS': '1000',
  // Timers may fire up to this late (default 1 s): a restart policy's first delays are 100-400 ms.
  'history.timerProcessorMaxTimeShift': '"10ms"',
};

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether something already listens on 127.0.0.1:port (binding fails with EADDRINUSE then). */
function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(true));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(false)));
  });
}

/** True when a Temporal frontend answers at address (host:port), with the profile's TLS and API key when given. */
export async function isServerUp(address: string, options: Omit<ConnectionOptions, 'address'> = {}): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ ...options, address, connectTimeout: 1000 });
    await connection.workflowService.getSystemInfo({});
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/**
 * Ready = the frontend answers and the saga's search attributes are registered in the namespace. The server's
 * --search-attribute flags apply only when it creates its database: one made by an older version (a state
 * root kept across upgrades) lacks the newer attributes, so those are registered here.
 */
async function searchAttributesReady(address: string, namespace: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1000 });
    await ensureSearchAttributes(connection.operatorService, namespace);
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

async function uiReady(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.status < 500;
  } catch {
    return false;
  }
}

/** A start that failed because a port the server chose (or was given by freePort) was taken before it bound it. */
class PortTaken extends Error {}

/**
 * The server's own ports (its HTTP API, its metrics) and those freePort picks are free when chosen, not when
 * bound: another process can take one in between. A start that fails so is made again on fresh ports.
 */
const START_ATTEMPTS = 3;
const PORT_TAKEN = /address already in use|HTTPAPIServerProvider/;

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      const chosenHere = opts.port === undefined && typeof opts.uiPort !== 'number';
      if (!(err instanceof PortTaken) || !chosenHere || attempt >= START_ATTEMPTS) throw err;
    }
  }
}

async function startOnce(opts: DevServerOptions): Promise<DevServer> {
  // An explicit port that is taken would make the new server exit while the readiness check talks to the
  // old one: refuse up front instead.
  if (opts.port !== undefined && (await portInUse(opts.port))) {
    throw new Error(`port ${opts.port} on 127.0.0.1 is already in use (another Temporal server?)`);
  }
  const port = opts.port ?? (await freePort());
  const uiPort = opts.uiPort === false ? undefined : (opts.uiPort ?? (await freePort()));
  const namespace = opts.namespace ?? 'default';
  const address = `127.0.0.1:${port}`;
  const uiUrl = uiPort === undefined ? undefined : `http://127.0.0.1:${uiPort}`;

  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
  ];
  for (const name of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${name}=${SearchAttributeTypes[name]}`);
  for (const [key, value] of Object.entries(DYNAMIC_CONFIG)) args.push('--dynamic-config-value', `${key}=${value}`);
  // The UI's news feed is fetched from the internet, which these machines cannot reach.
  if (uiPort === undefined) args.push('--headless');
  else args.push('--ui-ip', '127.0.0.1', '--ui-port', String(uiPort), '--ui-disable-news-fetch');
  // No --ui-codec-endpoint: its URL carries the codec server's token, which would be in this process's argv
  // (/proc/<pid>/cmdline, readable by every local user) and in the UI's /api/v1/settings, served to anyone who
  // reaches the UI. The endpoint goes into the UI's Codec Server setting, kept in the user's browser.
  if (opts.dbFile) {
    mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }

  const child = spawn(temporalCliPath(), args, { stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached ?? false });
  // The last 64 KiB of output go into errors (a Go panic's whole trace); the rest goes to opts.log, if given.
  let tail = '';
  const logStream = opts.log
    ? (mkdirSync(path.dirname(opts.log), { recursive: true }), createWriteStream(opts.log, { flags: 'a' }))
    : undefined;
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-65536);
      logStream?.write(chunk);
    });
  }
  let exitInfo: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (err) => {
      exitInfo = `failed to run: ${err.message}`;
      resolve();
    });
    child.once('exit', (code, signal) => {
      exitInfo ??= signal ? `killed by ${signal}` : `exit code ${code}`;
      resolve();
    });
  });
  void exited.then(() => logStream?.end());

  // Don't leave the server behind when this process exits without calling stop() (crash, process.exit).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (exitInfo === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
      await exited;
      clearTimeout(timer);
    }
  };

  const describe = () =>
    `temporal ${args.join(' ')}\n--- server output (tail${opts.log ? `; full log in ${opts.log}` : ''}) ---\n${tail.trim() || '(none)'}`;
  const deadline = Date.now() + READY_DEADLINE_MS;
  for (;;) {
    if (exitInfo !== undefined) {
      const message = `Temporal dev server stopped before it was ready (${exitInfo}):\n${describe()}`;
      throw PORT_TAKEN.test(tail) ? new PortTaken(message) : new Error(message);
    }
    if ((await searchAttributesReady(address, namespace)) && (!uiUrl || (await uiReady(uiUrl)))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `Temporal dev server not ready on ${address} within ${READY_DEADLINE_MS / 1000} s:\n${describe()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { address, uiUrl, process: child, stop };
}
