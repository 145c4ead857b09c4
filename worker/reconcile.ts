import { randomUUID } from 'node:crypto';
import { Client, type DataConverter } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { readsWorkflowId, WorkflowTypes } from '../common/names';
import { retireIfOutdated } from '../client/retire-outdated';
import type { GcResult } from '../common/ops-api';
import type { containerRestore } from '../workflows/lifecycle';
import type { containerGc } from '../workflows/ops';

/**
 * Docker's restore at boot: once the worker polls, it runs the gc workflow for its own host, which releases
 * what a crash left behind that no running or starting container owns (the resources of a start that failed
 * while this host was away included), then the restore workflow, which gives every container of the host that
 * should have a monitor one (its restart policy then restarts a container whose process is gone). Other
 * hosts' containers are never touched. Its report is logged. Long-lived workflows begun under another
 * workflow baseline, which cannot replay here, are replaced: the queue's reads workflow first (the next read
 * starts one), then, by the restore, each of the host's monitors.
 */
export async function reconcileAtStartup(
  connection: NativeConnection,
  namespace: string,
  taskQueue: string,
  host: string,
  dataConverter?: DataConverter,
): Promise<GcResult & { monitored: string[] }> {
  const client = new Client({ connection, namespace, dataConverter });
  await retireIfOutdated(client.workflow, readsWorkflowId(taskQueue));
  const gc = await client.workflow.execute<typeof containerGc>(WorkflowTypes.gc, {
    taskQueue,
    workflowId: `container-gc-startup-${host}-${randomUUID()}`,
    args: [{ host }],
    staticSummary: `start-up reconcile of host ${host}`,
  });
  const { monitored } = await client.workflow.execute<typeof containerRestore>(WorkflowTypes.restore, {
    taskQueue,
    workflowId: `container-restore-startup-${host}-${randomUUID()}`,
    args: [{ host }],
    staticSummary: `start-up restore of host ${host} (monitors, restart policies)`,
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
