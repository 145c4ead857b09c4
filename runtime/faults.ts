import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ContainerError } from '../common/errors';
import { FAULT_POINTS, type FaultPoint } from '../common/steps';
import type { ContainerRecord } from '../common/types';
import type { StepContext } from './contract';
import { Layout } from './drivers/layout';
import { readJson, sleep, exists, writeJsonAtomic } from './fsutil';
import { inside, resolveHostPath } from './bind-policy';
import { FAULT_LABEL } from './fault-label';
import type { StepHooks } from './step-hooks';

/**
 * Fault injection for tests and demos, on any driver. A plan is a comma-separated list of `point=mode`:
 *
 *   point  a host step of the table in common/steps.ts (mount-rootfs, network, ipc, volumes, working-dir,
 *          spec, process) or one of its releases (unregister-process, remove-spec, unmount-volumes, unmount-ipc,
 *          release-network, unmount-rootfs), or mark-running's record write (before the hand-off to the
 *          monitor and the claim's release). The saga runs a step only when the container needs it (the
 *          table's `needed`): working-dir needs a working dir, ipc a private /dev/shm, volumes a bind, volume
 *          or tmpfs. Releases fire wherever they run: compensations, stop, rm and gc.
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
 * (`container-saga create --label container-saga.faults=network=fail …`), the label winning per point. The
 * hooks are composed in only by a worker with faults enabled (worker/create.ts); elsewhere a step pays nothing.
 * Counters live under <root>/faults/<id>/<point>.json (Layout.faultCounters; the drivers remove them with the
 * container's files) so they survive a worker restart, one file per point so
 * steps of one container that run at once never overwrite each other's count.
 */
export { FAULT_LABEL };

export type FaultMode =
  | { kind: 'fail' }
  | { kind: 'fail-after' }
  | { kind: 'transient'; times: number }
  | { kind: 'transient-after'; times: number }
  | { kind: 'hold'; file: string }
  | { kind: 'hold-after'; file: string };

const KNOWN_POINTS = new Set<string>(FAULT_POINTS);

/** Parses a plan; throws InvalidParameter naming the bad entry. */
export function parseFaultPlan(text: string | undefined): Map<FaultPoint, FaultMode> {
  const plan = new Map<FaultPoint, FaultMode>();
  if (!text) return plan;
  for (const entry of text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const eq = entry.indexOf('=');
    const point = entry.slice(0, eq);
    const [kind, arg] = splitOnce(entry.slice(eq + 1), ':');
    if (eq <= 0 || !KNOWN_POINTS.has(point)) throw bad(entry);
    const times = Number(arg ?? '1');
    const p = point as FaultPoint;
    if (kind === 'fail' || kind === 'fail-after') plan.set(p, { kind });
    else if ((kind === 'transient' || kind === 'transient-after') && Number.isInteger(times) && times > 0)
      plan.set(p, { kind, times });
    else if ((kind === 'hold' || kind === 'hold-after') && arg) plan.set(p, { kind, file: arg });
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

/**
 * A hold file as it resolves, which must lie in the state root: the label is any client's input, and the
 * hook writes FILE.held as the worker's user (root with the Linux driver). Else InvalidParameter (400).
 */
export async function holdFileIn(root: string, file: string): Promise<string> {
  const realRoot = (await resolveHostPath(path.resolve(root))) ?? path.resolve(root);
  const dir = path.isAbsolute(file) ? await resolveHostPath(path.dirname(file)) : undefined;
  const real = dir === undefined ? undefined : path.join(dir, path.basename(file));
  if (real === undefined || real === realRoot || !inside(real, realRoot))
    throw new ContainerError(
      'InvalidParameter',
      `fault hold file ${file} must be an absolute path inside the state root ${root} (runtime/faults.ts)`,
    );
  return real;
}

/** Where the hooks read a container's label and keep their counters. */
export interface FaultTarget {
  readonly root: string;
  lookup(id: string): Promise<ContainerRecord>;
}

/** Hooks that fire the planned faults at their points (the worker composes them in: worker/create.ts). */
export function faultHooks(target: FaultTarget, workerPlan: string | undefined): StepHooks {
  const global = parseFaultPlan(workerPlan);
  const layout = new Layout(target.root);
  const counter = (id: string, point: string) => path.join(layout.faultCounters(id), `${point}.json`);

  async function planFor(id: string, point: FaultPoint): Promise<FaultMode | undefined> {
    const rec = await target.lookup(id).catch(() => undefined);
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
    new ContainerError('InjectedFault', `injected failure at ${point}${after ? ' (after its side effect)' : ''}`, {
      retryable,
    });

  /** Waits for the release file, heartbeating, so only a dead worker (not a held one) times the step out. */
  async function holdUntil(given: string, point: string, ctx: StepContext | undefined): Promise<void> {
    const file = await holdFileIn(target.root, given);
    await writeFile(`${file}.held`, String(process.pid));
    while (!(await exists(file))) {
      if (ctx?.signal?.aborted) throw new ContainerError('Internal', `${point} cancelled while held`);
      ctx?.progress?.(`held until ${file} exists`);
      await sleep(50);
    }
  }

  return {
    async around<T>(point: FaultPoint, id: string, ctx: StepContext | undefined, call: () => Promise<T>): Promise<T> {
      const mode = await planFor(id, point);
      if (!mode) return call();
      switch (mode.kind) {
        case 'fail':
          throw injected(point, false, false);
        case 'transient':
          if (await shouldFail(id, point, mode.times)) throw injected(point, true, false);
          return call();
        case 'hold':
          await holdUntil(mode.file, point, ctx);
          return call();
        case 'hold-after': {
          const result = await call();
          await holdUntil(mode.file, point, ctx);
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
    },
  };
}
