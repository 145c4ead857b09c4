import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { EngineClient } from './engine';
import type { Teardown } from './teardown';

/**
 * container-saga's Docker Engine API server (api/main.ts), started as a child process against the bench's
 * dev server and task queue: it is a Temporal client, and the bench's worker runs what it asks for. It listens
 * on the unix socket CONTAINER_SAGA_API_SOCKET; ready when GET /_ping answers OK.
 */
const REPO = path.resolve(__dirname, '..', '..');
export const API_ENTRY = 'api/main.ts';
const READY_DEADLINE_MS = 60_000;
const STOP_DEADLINE_MS = 10_000;

export interface ApiServerOptions {
  socket: string;
  /** the Temporal frontend, host:port */
  address: string;
  taskQueue: string;
  /** the worker's state root and driver, in case the server reads them (the CLI does not) */
  root: string;
  driver: string;
  log: string;
}

export type ApiServer = { ok: true; socket: string; entry: string } | { ok: false; reason: string };

export async function startApiServer(teardown: Teardown, o: ApiServerOptions): Promise<ApiServer> {
  const entry = path.join(REPO, API_ENTRY);
  if (!existsSync(entry))
    return {
      ok: false,
      reason: `${API_ENTRY} does not exist in this checkout (the Engine API server is not merged yet)`,
    };
  const tsx = path.join(REPO, 'node_modules', '.bin', 'tsx');
  const fd = openSync(o.log, 'a');
  // Its own process group: the teardown stops tsx and the node process it runs together.
  const child = spawn(tsx, [entry], {
    cwd: REPO,
    detached: true,
    stdio: ['ignore', fd, fd],
    env: {
      ...process.env,
      CONTAINER_SAGA_API_SOCKET: o.socket,
      TEMPORAL_ADDRESS: o.address,
      TEMPORAL_NAMESPACE: 'default',
      CONTAINER_SAGA_TASK_QUEUE: o.taskQueue,
      CONTAINER_SAGA_ROOT: o.root,
      CONTAINER_SAGA_DRIVER: o.driver,
    },
  });
  closeSync(fd);
  let exited: string | undefined;
  const gone = new Promise<void>((resolve) => {
    child.once('error', (e) => ((exited = `cannot run: ${e.message}`), resolve()));
    child.once(
      'exit',
      (code, signal) => ((exited ??= signal ? `killed by ${signal}` : `exit code ${code}`), resolve()),
    );
  });
  const group = (sig: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, sig);
    } catch {
      // gone
    }
  };
  const killOnExit = () => group('SIGKILL');
  process.once('exit', killOnExit);
  teardown.add('stop the Engine API server', async () => {
    process.removeListener('exit', killOnExit);
    if (exited === undefined) {
      group('SIGTERM');
      const timer = setTimeout(() => group('SIGKILL'), STOP_DEADLINE_MS);
      await gone;
      clearTimeout(timer);
    }
    group('SIGKILL'); // anything of its group still there
    await fs.rm(o.socket, { force: true });
  });

  const engine = new EngineClient(o.socket);
  try {
    const deadline = Date.now() + READY_DEADLINE_MS;
    while (!(await engine.ping())) {
      if (exited !== undefined)
        return { ok: false, reason: `${API_ENTRY} stopped before answering /_ping (${exited}):\n${await tail(o.log)}` };
      if (Date.now() > deadline)
        return {
          ok: false,
          reason: `${API_ENTRY} did not answer GET /_ping on ${o.socket} within ${READY_DEADLINE_MS / 1000} s:\n${await tail(o.log)}`,
        };
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    engine.close();
  }
  return { ok: true, socket: o.socket, entry: API_ENTRY };
}

async function tail(file: string): Promise<string> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return `--- ${API_ENTRY} output (tail) ---\n${text.slice(-3000).trim() || '(none)'}`;
}
