import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ContainerError } from '../common/errors';
import type { ContainerRuntime, StepContext } from './contract';
import { readJson, sleep, exists, writeJsonAtomic } from './fsutil';

/**
 * Fault injection for tests and demos, on any driver. A plan is a comma-separated list of `point=mode`:
 *
 *   point  a step (mount-rootfs, network, working-dir, spec, ipc, volumes, process); the saga calls a step's
 *          driver method only when it has work: working-dir needs a working dir, ipc a private /dev/shm, and
 *          volumes (since workflow v2) a bind, volume or tmpfs
 *          or a release (unmount-rootfs, release-network, remove-spec, unmount-ipc, unmount-volumes, unregister-process)
 *   mode   fail               fails every time, before the side effect (non-retryable)
 *          fail-after         does the side effect, then fails (non-retryable): the report is lost
 *          transient:N        fails N times (retryable) before the side effect, then succeeds
 *          transient-after:N  does the side effect, then fails N times (retryable): the retry must adopt it
 *          hold:FILE          waits until FILE exists before the side effect (crash tests kill the worker there)
 *          hold-after:FILE    does the side effect, then waits until FILE exists: a worker killed there
 *                             leaves the side effect done and its report lost
 *          While held, FILE.held exists, so a test knows the step is in flight.
 *
 * Plans come from the worker's CONTAINER_SAGA_FAULTS and from the container's label `container-saga.faults`
 * (`container-saga create --label container-saga.faults=network=fail …`), the label winning per point.
 * Counters live under <root>/faults/<id>/<point>.json so they survive a worker restart, one file per point so
 * steps of one container that run at once never overwrite each other's count.
 */
export const FAULT_LABEL = 'container-saga.faults';

function countersDir(root: string, id: string): string {
  return path.join(root, 'faults', id);
}

/** Drops a container's fault counters (with the container). */
export async function clearFaultCounters(root: string, id: string): Promise<void> {
  await rm(countersDir(root, id), { recursive: true, force: true });
}

const POINTS = {
  mountRootfs: 'mount-rootfs',
  connectNetwork: 'network',
  setupWorkingDir: 'working-dir',
  writeSpec: 'spec',
  setupIpc: 'ipc',
  mountVolumes: 'volumes',
  startProcess: 'process',
  unmountRootfs: 'unmount-rootfs',
  releaseNetwork: 'release-network',
  removeSpec: 'remove-spec',
  releaseIpc: 'unmount-ipc',
  unmountVolumes: 'unmount-volumes',
  unregisterProcess: 'unregister-process',
} as const;
type Method = keyof typeof POINTS;

export type FaultMode =
  | { kind: 'fail' }
  | { kind: 'fail-after' }
  | { kind: 'transient'; times: number }
  | { kind: 'transient-after'; times: number }
  | { kind: 'hold'; file: string }
  | { kind: 'hold-after'; file: string };

const KNOWN_POINTS = new Set<string>(Object.values(POINTS));

/** Parses a plan; throws InvalidParameter naming the bad entry. */
export function parseFaultPlan(text: string | undefined): Map<string, FaultMode> {
  const plan = new Map<string, FaultMode>();
  if (!text) return plan;
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const eq = entry.indexOf('=');
    const point = entry.slice(0, eq);
    const [kind, arg] = splitOnce(entry.slice(eq + 1), ':');
    if (eq <= 0 || !KNOWN_POINTS.has(point)) throw bad(entry);
    const times = Number(arg ?? '1');
    if (kind === 'fail' || kind === 'fail-after') plan.set(point, { kind });
    else if ((kind === 'transient' || kind === 'transient-after') && Number.isInteger(times) && times > 0) plan.set(point, { kind, times });
    else if ((kind === 'hold' || kind === 'hold-after') && arg) plan.set(point, { kind, file: arg });
    else throw bad(entry);
  }
  return plan;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

function bad(entry: string): ContainerError {
  return new ContainerError('InvalidParameter', `invalid fault plan entry "${entry}" (see runtime/faults.ts)`);
}

/** Wraps a driver so the planned faults fire at their points; everything else passes through. */
export function withFaults<T extends ContainerRuntime>(runtime: T, workerPlan: string | undefined): T {
  const global = parseFaultPlan(workerPlan);
  const counter = (id: string, point: string) => path.join(countersDir(runtime.root, id), `${point}.json`);

  async function planFor(id: string, point: string): Promise<FaultMode | undefined> {
    const rec = await runtime.lookup(id).catch(() => undefined);
    const label = rec?.Config.Labels[FAULT_LABEL];
    return parseFaultPlan(label).get(point) ?? global.get(point);
  }

  /** Counts this firing; true while the mode's budget of failures is not spent. */
  async function shouldFail(id: string, point: string, times: number): Promise<boolean> {
    const file = counter(id, point);
    const n = (await readJson<number>(file)) ?? 0;
    if (n >= times) return false;
    await writeJsonAtomic(file, n + 1);
    return true;
  }

  const injected = (point: string, retryable: boolean, after: boolean) =>
    new ContainerError('InjectedFault', `injected failure at ${point}${after ? ' (after its side effect)' : ''}`, { retryable });

  /** Waits for the release file, heartbeating, so only a dead worker (not a held one) times the step out. */
  async function holdUntil(file: string, point: string, rest: unknown[]): Promise<void> {
    const ctx = rest.find((a): a is StepContext => typeof (a as StepContext | undefined)?.progress === 'function');
    await writeFile(`${file}.held`, String(process.pid));
    while (!(await exists(file))) {
      if (ctx?.signal?.aborted) throw new ContainerError('Internal', `${point} cancelled while held`);
      ctx?.progress?.(`held until ${file} exists`);
      await sleep(50);
    }
  }

  return new Proxy(runtime, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || !(prop in POINTS) || typeof value !== 'function') return value;
      const point = POINTS[prop as Method];
      return async (id: string, ...rest: unknown[]) => {
        const mode = await planFor(id, point);
        const call = () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, [id, ...rest]);
        if (!mode) return call();
        switch (mode.kind) {
          case 'fail':
            throw injected(point, false, false);
          case 'transient':
            if (await shouldFail(id, point, mode.times)) throw injected(point, true, false);
            return call();
          case 'hold':
            await holdUntil(mode.file, point, rest);
            return call();
          case 'hold-after': {
            const result = await call();
            await holdUntil(mode.file, point, rest);
            return result;
          }
          case 'fail-after':
            await call();
            throw injected(point, false, true);
          case 'transient-after': {
            const result = await call();
            if (await shouldFail(id, point, mode.times)) throw injected(point, true, true);
            return result;
          }
        }
      };
    },
  });
}
