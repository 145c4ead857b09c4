import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { WORKFLOW_BUNDLE } from '../../worker/create';
import { REPO } from '../harness';

/** Real worker processes (`worker/main.ts`) that crash tests SIGKILL and restart. */

/** Bundles the workflows once into a file, so each worker process starts without bundling. */
export async function writeBundle(dir: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ ...WORKFLOW_BUNDLE, logger: new DefaultLogger('WARN') });
  const file = path.join(dir, 'workflow-bundle.js');
  await fs.writeFile(file, code);
  return file;
}

export interface WorkerProcess {
  child: ChildProcess;
  /** when it printed "ready" (its worker polls from about then) */
  readyAt: number;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Spawns `node -r tsx/cjs worker/main.ts` with env and resolves once it says it is ready. */
export async function spawnWorker(env: NodeJS.ProcessEnv): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', path.join(REPO, 'worker/main.ts')], {
    cwd: REPO,
    env: { ...process.env, CONTAINER_SAGA_RECONCILE: '0', CONTAINER_SAGA_ALLOW_FAULTS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const readyAt = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker not ready in 30 s:\n${out}`)), 30_000);
    const check = () => {
      if (/^\s+ready$/m.test(out)) {
        clearTimeout(timer);
        resolve(Date.now());
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}) before ready:\n${out}`));
    });
  });
  return {
    child,
    readyAt,
    output: () => out,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Resolves once `file` exists (a held step wrote its marker). */
export async function waitForFile(file: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fs.access(file);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${file} did not appear within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
