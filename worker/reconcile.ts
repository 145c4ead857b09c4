import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { WorkflowTypes } from '../common/names';
import type { GcResult } from '../common/ops-api';
import type { containerGc } from '../workflows/ops';

/**
 * Docker's restore at boot: once the worker polls, it runs the gc workflow on its own task queue, which
 * releases what a crash left behind that no running or starting container owns. Its report is logged.
 */
export async function reconcileAtStartup(connection: NativeConnection, namespace: string, taskQueue: string): Promise<GcResult> {
  const client = new Client({ connection, namespace });
  return client.workflow.execute<typeof containerGc>(WorkflowTypes.gc, {
    taskQueue,
    workflowId: `container-gc-startup-${randomUUID()}`,
    args: [],
    staticSummary: 'worker start-up reconcile',
  });
}

export function describeGc(r: GcResult): string {
  const released = r.released.map((x) => `${x.containerId.slice(0, 12)} (${x.resources.join(', ') || 'leftovers'})`);
  const failed = r.failed.map((x) => `${x.containerId.slice(0, 12)}: ${x.leftovers.join('; ')}`);
  return [
    released.length > 0 ? `released ${released.join(', ')}` : 'nothing to release',
    ...(failed.length > 0 ? [`could not release ${failed.join(', ')}`] : []),
  ].join('; ');
}
