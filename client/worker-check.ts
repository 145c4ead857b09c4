import { setTimeout as sleep } from 'node:timers/promises';
import type { Session } from './connection';
import { cliError, toCliError } from './errors';

const TASK_QUEUE_KIND_NORMAL = 1;
const TASK_QUEUE_TYPE_WORKFLOW = 1;
/** 20 × 250 ms: how long a fresh worker gets to show up before the CLI gives up. */
const NO_WORKER_TRIES = 20;
const checked = new WeakSet<Session>();

/**
 * Fails fast, with the fix, when no worker polls the task queue: a workflow started (or an Update sent) there
 * would otherwise wait silently for one. One cheap describe call per session.
 */
export async function ensureWorker(s: Session): Promise<void> {
  if (checked.has(s)) return;
  // A worker that has just started may not have registered its first poll yet: look again for a few seconds.
  for (let tries = 0; ; tries++) {
    let pollers: unknown[];
    try {
      const res = await s.connection.workflowService.describeTaskQueue({
        namespace: s.namespace,
        taskQueue: { name: s.taskQueue, kind: TASK_QUEUE_KIND_NORMAL },
        taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
      });
      pollers = res.pollers ?? [];
    } catch (err) {
      if ((err as { code?: unknown }).code === 5)
        throw cliError(`namespace ${s.namespace} not found on Temporal at ${s.address}`, 'NotFound');
      throw toCliError(err, s.address);
    }
    if (pollers.length > 0) break;
    if (tries >= NO_WORKER_TRIES) {
      throw cliError(
        `no container-saga worker is polling task queue ${s.taskQueue} (start one with \`npm run worker\`)`,
        'NoWorker',
      );
    }
    await sleep(250);
  }
  checked.add(s);
}
