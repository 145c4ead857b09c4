import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Teardown } from './teardown';

/**
 * A real worker process for the memory figures, started as `npm run worker` starts one but without npm in
 * between: `MALLOC_ARENA_MAX=2 node --max-semi-space-size=2 scripts/run.cjs worker/main`, which runs the
 * compiled dist/worker/main.js in that very process when dist/ is fresh (`npm run bench` builds it first),
 * else the sources through tsx (then said so: its RSS is not the product's). No gc or restore at start-up
 * (CONTAINER_SAGA_RECONCILE=0: it shares the bench's state root), a short shutdown grace.
 */
const REPO = path.resolve(__dirname, '..', '..');
const READY_DEADLINE_MS = 60_000;
const STOP_DEADLINE_MS = 10_000;

export interface WorkerProcessOptions {
  /** the Temporal frontend, host:port */
  address: string;
  taskQueue: string;
  root: string;
  driver: string;
}

export interface BenchWorker {
  pid: number;
  /** what runs: the compiled JavaScript or the sources through tsx */
  entry: string;
  /** the settings it printed: driver, slots and pollers */
  banner: string[];
  /** SIGTERM, SIGKILL after 10 s; resolves once it is gone (the teardown calls it too) */
  stop(): Promise<void>;
}

function isFresh(): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../build.cjs') as { isFresh(): boolean }).isFresh();
}

export async function spawnBenchWorker(teardown: Teardown, o: WorkerProcessOptions): Promise<BenchWorker> {
  const entry = isFresh()
    ? 'dist/worker/main.js (compiled JavaScript)'
    : "worker/main.ts through tsx (dist/ is missing or stale: not the product's figure)";
  const child = spawn(
    process.execPath,
    ['--max-semi-space-size=2', path.join(REPO, 'scripts', 'run.cjs'), 'worker/main'],
    {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        MALLOC_ARENA_MAX: '2',
        TEMPORAL_ADDRESS: o.address,
        TEMPORAL_NAMESPACE: 'default',
        CONTAINER_SAGA_TASK_QUEUE: o.taskQueue,
        CONTAINER_SAGA_ROOT: o.root,
        CONTAINER_SAGA_DRIVER: o.driver,
        CONTAINER_SAGA_RECONCILE: '0',
        CONTAINER_SAGA_SHUTDOWN_GRACE: '1s',
      },
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  let exited: string | undefined;
  const gone = new Promise<void>((resolve) => {
    child.once('error', (e) => ((exited = `cannot run: ${e.message}`), resolve()));
    child.once(
      'exit',
      (code, signal) => ((exited ??= signal ? `killed by ${signal}` : `exit code ${code}`), resolve()),
    );
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (exited !== undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_DEADLINE_MS);
    await gone;
    clearTimeout(timer);
  };
  teardown.add("stop the memory figures' worker process", stop);
  const deadline = Date.now() + READY_DEADLINE_MS;
  while (!/^\s+ready$/m.test(out)) {
    if (exited !== undefined)
      throw new Error(`the worker process stopped before it was ready (${exited}):\n${out.slice(-3000)}`);
    if (Date.now() > deadline)
      throw new Error(`the worker process was not ready within ${READY_DEADLINE_MS / 1000} s:\n${out.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const lines = out.split('\n').map((l) => l.trim());
  // its driver and its slots and pollers (not its address, root or key)
  const banner = lines.slice(0, lines.indexOf('ready')).filter((l) => /driver|slots/.test(l));
  return { pid: child.pid!, entry, banner, stop };
}
