import { ContainerError } from '../../common/errors';
import type { ContainerRecord } from '../../common/types';
import type { StepEnv } from './types';

/** container:X for network or IPC: X must be another container, and running (Docker's messages). */
export async function runningPeer(
  env: StepEnv,
  id: string,
  ref: string,
  what: 'network' | 'IPC',
): Promise<ContainerRecord> {
  const other = await env.lookup(ref);
  if (other.Id === id)
    throw new ContainerError(
      'InvalidParameter',
      what === 'network' ? 'cannot join own network' : 'cannot join own IPC namespace',
    );
  if (!other.State.Running)
    throw new ContainerError('ContainerNotRunning', `cannot join ${what} of a non running container: ${other.Id}`);
  return other;
}
