import { ContainerError } from '../../common/errors';
import type { StepImpl } from './types';

/** process (Docker's waitForStart): the bundle's process runs; release kills it and forgets it. */
export const processStep: StepImpl<'process'> = {
  async acquire(env, { id }, ctx) {
    const rec = await env.store.get(id);
    if (rec.Config.Cmd.length === 0) throw new ContainerError('StartFailed', 'No command specified', { retryable: false });
    return env.driver.startProcess(id, ctx);
  },
  release: (env, id, ctx) => env.driver.unregisterProcess(id, ctx),
};
