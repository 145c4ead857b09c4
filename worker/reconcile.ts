import { randomUUID } from 'node:crypto';
import { Client, type DataConverter } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { WorkflowTypes } from '../common/names';
import type { GcResult } from '../common/ops-api';
import type { containerRestore } from '../workflows/lifecycle';
import type { containerGc } from '../workflows/ops';

/**
 * Docker's restore at boot: once the worker polls, it runs the gc workflow on its own task queue, which
 * releases what a crash left behind that no running or starting container owns, then the restore
 * workflow, which gives every container that should have a monitor one (its restart policy then restarts
 * a container whose process is gone). Its report is logged.
 */
export async function reconcileAtStartup(connection: NativeConnection, namespace: string, taskQueue: string, dataConverter?: DataConverter): Promise<GcResult & { monitored: string[] }> {
  const client = new Client({ connection, namespace, dataConverter });
  const gc = await client.workflow.execute<typeof containerGc>(WorkflowTypes.gc, {
    taskQueue,
    workflowId: `container-gc-startup-${randomUUID()}`,
    args: [],
    staticSummary: 'worker start-up reconcile',
  });
  const { monitored } = await client.workflow.execute<typeof containerRestore>(WorkflowTypes.restore, {
    taskQueue,
    workflowId: `container-restore-startup-${randomUUID()}`,
    args: [],
    staticSummary: 'worker start-up restore (monitors, restart policies)',
  });
  return { ...gc, monitored };
}

export function describeGc(r: GcResult & { monitored?: string[] }): string {
  const released = r.released.map((x) => `${x.containerId.slice(0, 12)} (${x.resources.join(', ') || 'leftovers'})`);
  const failed = r.failed.map((x) => `${x.containerId.slice(0, 12)}: ${x.leftovers.join('; ')}`);
  return [
    released.length > 0 ? `released ${released.join(', ')}` : 'nothing to release',
    ...(failed.length > 0 ? [`could not release ${failed.join(', ')}`] : []),
    ...(r.monitored?.length ? [`monitoring ${r.monitored.map((id) => id.slice(0, 12)).join(', ')}`] : []),
  ].join('; ');
}
