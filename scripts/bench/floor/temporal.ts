import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Worker,
  type NativeConnection,
  type WorkerOptions,
} from '@temporalio/worker';
import type { emptyWorkflow, FloorActivities, startShapeWorkflow } from './workflows';

/**
 * Temporal's own floor for a start on this machine: the same client, server and connection as the saga, a
 * worker of its own with no-op activities, timing (client-observed) a workflow that does nothing and one that
 * runs a start's local activities as no-ops. What the saga adds on top is its work and its records.
 */
export class TemporalFloor {
  private constructor(
    private readonly client: Client,
    readonly worker: Worker,
    private readonly taskQueue: string,
  ) {}

  static async create(o: {
    native: NativeConnection;
    client: Client;
    dataConverter?: WorkerOptions['dataConverter'];
  }): Promise<TemporalFloor> {
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('./workflows'),
      logger: new DefaultLogger('WARN'),
    });
    const activities: FloorActivities = { noop: async () => undefined };
    const taskQueue = `bench-floor-${randomUUID()}`;
    const worker = await Worker.create({
      connection: o.native,
      taskQueue,
      workflowBundle: { code },
      activities,
      ...(o.dataConverter ? { dataConverter: o.dataConverter } : {}),
    });
    return new TemporalFloor(o.client, worker, taskQueue);
  }

  /** An empty workflow, start to result. */
  empty(): Promise<void> {
    return this.client.workflow.execute<typeof emptyWorkflow>('emptyWorkflow', {
      taskQueue: this.taskQueue,
      workflowId: `bench-floor-${randomUUID()}`,
    });
  }

  /** A start's seven local activities as no-ops, start to result. */
  startShape(): Promise<void> {
    return this.client.workflow.execute<typeof startShapeWorkflow>('startShapeWorkflow', {
      taskQueue: this.taskQueue,
      workflowId: `bench-floor-${randomUUID()}`,
    });
  }
}
