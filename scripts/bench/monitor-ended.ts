import type { Client } from '@temporalio/client';
import { monitorWorkflowId } from '../../common/monitor-api';

const DEADLINE_MS = 10_000;

/**
 * After one of our started containers is removed: waits until its monitor workflow has seen the removal and
 * ended (the removal wakes its wait at once), at most 10 s, so that its end is not processed, by the same worker, while
 * the next measurement runs. A container with no monitor (a start that failed, the driver's own calls) has
 * nothing to wait for.
 */
export async function monitorEnded(client: Client, containerId: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, DEADLINE_MS)));
  const ended = client.workflow
    .getHandle(monitorWorkflowId(containerId))
    .result()
    .then(
      () => undefined,
      () => undefined, // none, or it failed: nothing to wait for
    );
  await Promise.race([ended, deadline]);
  clearTimeout(timer);
}
