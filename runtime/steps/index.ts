import { HOST_STEPS, stepOfRelease, type HostStepName, type ReleaseName } from '../../common/steps';
import type { StepContext } from '../contract';
import { ipc } from './ipc';
import { network } from './network';
import { processStep } from './process';
import { rootfs } from './rootfs';
import { spec } from './spec';
import type { AcquireRequests, AcquireResults, StepEnv, StepImpl } from './types';
import { volumes } from './volumes';
import { workingDir } from './working-dir';

export type { AcquireRequests, AcquireResults, StepEnv } from './types';

/** Each host step of the table (common/steps.ts) with its two halves; the compiler checks none is missing. */
const IMPLS: { [N in HostStepName]: StepImpl<N> } = {
  'mount-rootfs': rootfs,
  network,
  ipc,
  volumes,
  'working-dir': workingDir,
  spec,
  process: processStep,
};

/** The table, in acquire order, each entry with its acquire and release. */
export const STEPS = HOST_STEPS.map((s) => ({ ...s, ...IMPLS[s.name] }));

export function acquireStep<N extends HostStepName>(
  env: StepEnv,
  name: N,
  req: AcquireRequests[N],
  ctx?: StepContext,
): Promise<AcquireResults[N]> {
  return (IMPLS[name] as StepImpl<N>).acquire(env, req, ctx);
}

export async function releaseStep(env: StepEnv, release: ReleaseName, id: string, ctx?: StepContext): Promise<void> {
  await IMPLS[stepOfRelease(release).name].release!(env, id, ctx);
}
