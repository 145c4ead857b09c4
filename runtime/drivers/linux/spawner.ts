import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A small helper process that starts the driver's tools for the worker.
 *
 * Why: starting a process forks the caller first, and a fork copies the caller's page tables, so its cost grows with
 * the caller's resident size (a worker under the TypeScript loader is a large one), and the fork runs on the event
 * loop's thread, so the concurrent steps of a start queue behind each other's forks. The helper is a bare `node -e` (no
 * loader, none of our modules), started once and kept: its forks cost what a small process's do.
 *
 * It changes nothing about what runs or where: the same tools, arguments and environment, in the worker's mount and
 * network namespaces (the helper is its child). A detached child (the shim) gets its own session as before and outlives
 * the helper and the worker alike. When the worker dies the helper sees its channel close and exits (and only then: it
 * ignores the signals a worker's process group may get); a tool it was running finishes by itself, as a tool of a
 * killed worker always did. When the helper dies, the requests it had are failed with a retryable error (the steps are
 * idempotent: their retry adopts or redoes what such a tool did) and the next request starts a new helper. Until the
 * helper says it is ready (its start takes some tens of ms), tools are started directly, as without it.
 */

/** The helper's source: plain JavaScript for `node -e` (no loader runs it, so nothing here is compiled). */
const HELPER = String.raw`'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const send = (m) => { if (process.connected) process.send(m); };
const failure = (id, e) => send({ id, error: { code: e && e.code, message: String(e && e.message || e) } });
process.title = 'container-saga-spawner';
// It lives exactly as long as the worker's end of the channel: a signal to the worker's process group
// (Ctrl-C, a SIGTERM for a graceful shutdown) must not take it away from a worker still finishing its steps.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => {});
process.on('disconnect', () => process.exit(0));
process.on('message', (m) => {
  try {
    if (m.op === 'run') run(m);
    else if (m.op === 'detached') detached(m);
    else failure(m.id, new Error('unknown request ' + m.op));
  } catch (e) {
    failure(m.id, e);
  }
});
function run(m) {
  const child = spawn(m.file, m.args, { env: m.env, cwd: m.cwd, stdio: [m.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  const out = [];
  const err = [];
  let done = false;
  child.stdout.on('data', (b) => out.push(b));
  child.stderr.on('data', (b) => err.push(b));
  const timer = setTimeout(() => child.kill('SIGKILL'), m.timeoutMs);
  child.on('error', (e) => {
    clearTimeout(timer);
    if (!done) failure(m.id, e);
    done = true;
  });
  child.on('close', (code, signal) => {
    clearTimeout(timer);
    if (!done) send({ id: m.id, code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    done = true;
  });
  if (m.input !== undefined) {
    child.stdin.on('error', () => {});
    child.stdin.end(m.input);
  }
}
function detached(m) {
  const fds = m.logs.map((f) => fs.openSync(f, 'a', 0o600));
  const close = () => fds.forEach((fd) => fs.closeSync(fd));
  let child;
  try {
    child = spawn(m.file, m.args, {
      detached: true, stdio: ['ignore', fds[0], fds[fds.length - 1]], env: m.env, cwd: m.cwd,
    });
  } catch (e) {
    close();
    throw e;
  }
  child.once('error', (e) => { close(); failure(m.id, e); });
  child.once('spawn', () => { close(); child.unref(); send({ id: m.id, pid: child.pid }); });
}
send({ ready: true });
`;

export interface SpawnError {
  code?: string;
  message: string;
}

export type HelperReply =
  | { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }
  | { pid: number }
  | { error: SpawnError };

type Request =
  | {
      op: 'run';
      file: string;
      args: readonly string[];
      env: NodeJS.ProcessEnv;
      input?: string;
      timeoutMs: number;
      cwd?: string;
    }
  | { op: 'detached'; file: string; args: readonly string[]; env: NodeJS.ProcessEnv; logs: string[]; cwd?: string };

interface Pending {
  resolve(r: HelperReply): void;
  reject(err: Error): void;
}

/** Thrown when the helper went away with a request in flight (the caller maps it to a retryable error). */
export class HelperGone extends Error {}

class Spawner {
  private child: ChildProcess | undefined;
  private ready = false;
  private next = 1;
  private readonly pending = new Map<number, Pending>();

  /** Sends a request when the helper is ready; undefined when it is not (the caller starts the tool itself). */
  request(req: Request): Promise<HelperReply> | undefined {
    const child = this.child;
    if (!child || !this.ready) {
      this.start();
      return undefined;
    }
    const id = this.next++;
    return new Promise<HelperReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.refWhileBusy();
      child.send({ id, ...req }, (err) => {
        if (err)
          this.settle(id, (p) => p.reject(new HelperGone(`the spawn helper cannot take a request: ${err.message}`)));
      });
    });
  }

  private start(): void {
    if (this.child) return;
    let child: ChildProcess;
    try {
      // Only PATH: the helper needs nothing else, and NODE_OPTIONS (a loader, say) would only make it big.
      child = spawn(process.execPath, ['--max-old-space-size=32', '-e', HELPER], {
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
      });
    } catch {
      return; // tools keep being started directly
    }
    this.child = child;
    child.on('message', (m: { ready?: true; id?: number } & Partial<HelperReply>) => {
      if (m.ready) {
        this.ready = true;
        return;
      }
      this.settle(m.id!, (p) => p.resolve(m as HelperReply));
    });
    const gone = () => {
      if (this.child !== child) return;
      this.child = undefined;
      this.ready = false;
      for (const id of [...this.pending.keys()])
        this.settle(id, (p) => p.reject(new HelperGone('the spawn helper exited with the request in flight')));
    };
    child.on('error', gone);
    child.on('exit', gone);
    child.on('disconnect', gone);
    // Never what keeps the worker (or a CLI) alive: referenced only while a request waits on it.
    child.unref();
    child.channel?.unref();
  }

  private settle(id: number, f: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    f(p);
    this.refWhileBusy();
  }

  private refWhileBusy(): void {
    if (this.pending.size > 0) this.child?.channel?.ref();
    else this.child?.channel?.unref();
  }
}

export const spawner = new Spawner();
