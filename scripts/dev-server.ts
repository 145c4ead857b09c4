import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SearchAttributeNames } from '../common/names';
import { temporalCliPath } from './temporal-paths';

export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  port?: number;
  /** Web UI port; false for a headless server */
  uiPort?: number | false;
  /** SQLite file; in-memory when omitted */
  dbFile?: string;
  namespace?: string;
  /** file for the server's output (else discarded) */
  log?: string;
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** True when a Temporal frontend answers at address. */
export async function isServerUp(address: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 1000 });
    try {
      await connection.workflowService.getSystemInfo({});
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

/**
 * Starts `temporal server start-dev` on loopback, with the search attributes the saga upserts registered,
 * and resolves once the frontend answers and those attributes are visible.
 */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const port = opts.port ?? (await freePort());
  const namespace = opts.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', namespace, '--log-level', 'warn'];
  args.push(...Object.values(SearchAttributeNames).flatMap((n) => ['--search-attribute', `${n}=Keyword`]));
  if (opts.uiPort === false) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort ?? (await freePort())), '--ui-ip', '127.0.0.1');
  if (opts.dbFile) {
    await fs.mkdir(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  const logFile = opts.log;
  const child = spawn(temporalCliPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(chunk.toString());
    if (tail.length > 50) tail.shift();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  if (logFile) {
    const out = createWriteStream(logFile, { flags: 'a' });
    child.stdout!.pipe(out);
    child.stderr!.pipe(out);
  }
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));

  const address = `127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`temporal dev server exited (${exited}):\n${tail.join('').slice(-2000)}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`temporal dev server did not come up on ${address} within 60 s:\n${tail.join('').slice(-2000)}`);
    }
    if (await searchAttributesReady(address, namespace)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const uiIndex = args.indexOf('--ui-port');
  const uiUrl = uiIndex >= 0 ? `http://localhost:${args[uiIndex + 1]}` : undefined;
  return { address, uiUrl, process: child, stop };
}

async function searchAttributesReady(address: string, namespace: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 1000 });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      return Object.values(SearchAttributeNames).every((n) => customAttributes?.[n] !== undefined);
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}
