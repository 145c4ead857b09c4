import { Client, WithStartWorkflowOperation, type DataConverter } from '@temporalio/client';
import type { NativeConnection, State, Worker, WorkerStatus } from '@temporalio/worker';
import { HostsUpdates, hostsWorkflowId, type HostRegistration, type RegisterHostInput } from '../common/hosts-api';
import { WorkflowTypes } from '../common/names';
import type { containerHosts } from '../workflows/hosts';
import { baselineMemo } from '../common/baseline';

/** A worker's states in the order it goes through them. */
const STATE_ORDER: readonly State[] = ['INITIALIZED', 'RUNNING', 'STOPPING', 'DRAINING', 'DRAINED', 'STOPPED'];

/**
 * One host's worker (common/hosts-api.ts): the SDK Worker of the shared task queue (every workflow, and
 * every activity: local ones, the shared queue's) and the activity-only Worker of its host queue. They run,
 * drain and stop together; once both poll, the host registers itself with the registry workflow, so
 * placement and `host ls` know it. It offers what callers used of a single Worker.
 */
export class HostWorker {
  private registration: Promise<HostRegistration> | undefined;

  constructor(
    readonly shared: Worker,
    readonly host: Worker,
    private readonly reg: RegisterHostInput & {
      connection: NativeConnection;
      namespace: string;
      taskQueue: string;
      dataConverter?: DataConverter;
    },
  ) {}

  /** Both workers' state as one: FAILED if either failed, else the one further behind (RUNNING only while both run). */
  getState(): State {
    const [a, b] = [this.shared.getState(), this.host.getState()];
    if (a === 'FAILED' || b === 'FAILED') return 'FAILED';
    return STATE_ORDER.indexOf(a) <= STATE_ORDER.indexOf(b) ? a : b;
  }

  getStatus(): WorkerStatus {
    const [a, b] = [this.shared.getStatus(), this.host.getStatus()];
    return {
      ...a,
      numInFlightActivities: a.numInFlightActivities + b.numInFlightActivities,
      numInFlightNonLocalActivities: a.numInFlightNonLocalActivities + b.numInFlightNonLocalActivities,
      numInFlightLocalActivities: a.numInFlightLocalActivities + b.numInFlightLocalActivities,
    };
  }

  shutdown(): void {
    for (const w of [this.shared, this.host]) if (w.getState() === 'RUNNING') w.shutdown();
  }

  /** The registration, once made (run() begins it). */
  get registered(): Promise<HostRegistration> {
    this.registration ??= registerHost(this.reg);
    return this.registration;
  }

  /** Runs both until shutdown; if either fails, the other is stopped and the failure is thrown. */
  async run(): Promise<void> {
    const both = [this.shared.run(), this.host.run()].map((p) =>
      p.catch((err: unknown) => {
        this.shutdown();
        throw err;
      }),
    );
    // Registered once both poll (the registry is a workflow this worker may be the one to run).
    this.registered.catch(() => undefined);
    await Promise.all(both);
  }

  /** Runs both while `fn` runs (a function: once the host is registered), then stops them; as Worker.runUntil. */
  async runUntil<R>(fn: Promise<R> | (() => Promise<R>)): Promise<R> {
    const running = this.run();
    try {
      if (typeof fn !== 'function') return await fn;
      await Promise.race([this.registered, running]);
      return await fn();
    } finally {
      this.shutdown();
      await running;
    }
  }
}

/** Registers a host with its shared queue's registry (Update-with-Start: the first worker starts it). */
export async function registerHost(
  o: RegisterHostInput & {
    connection: NativeConnection;
    namespace: string;
    taskQueue: string;
    dataConverter?: DataConverter;
  },
): Promise<HostRegistration> {
  const client = new Client({ connection: o.connection, namespace: o.namespace, dataConverter: o.dataConverter });
  const startWorkflowOperation = new WithStartWorkflowOperation<typeof containerHosts>(WorkflowTypes.hosts, {
    taskQueue: o.taskQueue,
    workflowId: hostsWorkflowId(o.taskQueue),
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [{}],
    staticSummary: `hosts of ${o.taskQueue}`,
    memo: baselineMemo(),
    staticDetails:
      'Each worker registers its host here at start-up; `container-saga host drain|activate` sets availability; `host rm` forgets one. Liveness is read from each host queue.',
  });
  return client.workflow.executeUpdateWithStart<typeof containerHosts, HostRegistration, [RegisterHostInput]>(
    HostsUpdates.register,
    {
      args: [{ name: o.name, driver: o.driver }],
      startWorkflowOperation,
    },
  );
}
