import { ContainerError } from '../../common/errors';
import { unregisterExecIds } from '../exec';
import type { StepImpl } from './types';

/**
 * process (Docker's waitForStart): the bundle's process runs; release kills it and its execs and forgets them
 * (Docker's Cleanup unregisters the exec commands: ExecIDs empties).
 */
export const processStep: StepImpl<'process'> = {
  async acquire(env, { id }, ctx) {
    const rec = await env.store.get(id);
    // create refuses a container without a command; a record made otherwise must not start a shell-less runc
    if (!rec.Path) throw new ContainerError('StartFailed', 'No command specified', { retryable: false });
    return env.driver.startProcess(id, ctx);
  },
  async release(env, id, ctx) {
    await env.driver.unregisterProcess(id, ctx);
    await unregisterExecIds(env.store, id);
  },
};
