import { HOST_STEPS, type HostStepEntry, type HostStepName, type ReleaseName } from '../common/steps';
import type { ContainerRuntime, StepContext } from '../runtime/contract';
import type { AcquireRequests, AcquireResults } from '../runtime/steps';
import { withHeartbeat } from './heartbeat';
import { classified } from './to-failure';

/**
 * What each step's activity reports to the workflow: small (history stays readable), only what the saga
 * goes on with. The record holds the rest.
 */
interface Reports {
  'mount-rootfs': void;
  network: { ipAddress: string };
  ipc: void;
  volumes: void;
  'working-dir': void;
  spec: void;
  process: { pid: number };
}

const REPORT: { [N in HostStepName]: (out: AcquireResults[N]) => Reports[N] } = {
  'mount-rootfs': () => undefined,
  network: (s) => ({ ipAddress: s.IPAddress }),
  ipc: () => undefined,
  volumes: () => undefined,
  'working-dir': () => undefined,
  spec: () => undefined,
  process: ({ pid }) => ({ pid }),
};

type Releasing = Extract<HostStepEntry, { releaseActivity: string }>;

/** One activity per acquire and per release of the table, under the table's activity names. */
export type HostStepActivities = {
  [S in HostStepEntry as S['activity']]: (input: AcquireRequests[S['name']]) => Promise<Reports[S['name']]>;
} & {
  [S in Releasing as S['releaseActivity']]: (input: { id: string }) => Promise<void>;
};

/**
 * The host steps' activities, generated from the table (common/steps.ts): each a thin adapter that runs its
 * step on the runtime, heartbeating unless it runs as a local activity, with driver errors classified.
 */
export function createHostStepActivities(runtime: ContainerRuntime): HostStepActivities {
  const activities: Record<string, (input: never) => Promise<unknown>> = {};
  for (const step of HOST_STEPS) {
    const run = <T>(fn: (ctx: StepContext) => Promise<T>) =>
      classified(() => (step.local ? fn({}) : withHeartbeat(fn)));
    activities[step.activity] = async (input: AcquireRequests[typeof step.name]) =>
      (REPORT[step.name] as (out: unknown) => unknown)(
        await run((ctx) => runtime.acquire(step.name, input as never, ctx)),
      );
    if ('release' in step) {
      const release: ReleaseName = step.release;
      // Releases heartbeat always: they run as the saga's cleanup activities, and in stop/rm/gc.
      activities[step.releaseActivity] = (input: { id: string }) =>
        classified(() => withHeartbeat((ctx) => runtime.release(release, input.id, ctx)));
    }
  }
  return activities as unknown as HostStepActivities;
}
