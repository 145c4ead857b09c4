import { Context } from '@temporalio/activity';
import { baselineMemo } from '../common/baseline';
import {
  monitorWorkflowId,
  RUN_STARTED_SIGNAL,
  type ContainerRun,
  type MonitorInput,
  type RunEnd,
} from '../common/monitor-api';
import { retireIfOutdated } from '../client/retire-outdated';
import { sharedQueueOf } from '../common/hosts-api';
import { WorkflowTypes } from '../common/names';
import { ContainerError } from '../common/errors';
import type { WaitInput, WaitResult } from '../common/ops-api';
import { MonitoredState, SearchKeys } from '../common/search-attributes';
import type { ContainerRecord } from '../common/types';
import { commandOf, containerVerbMetadata } from '../common/workflow-metadata';
import type { HostRuntime } from '../runtime/host-runtime';
import { restartDecision } from '../common/restart-policy';
import { handleRunExit, waitForRunEnd, type ExitHandled } from '../runtime/monitor';
import { waitForCondition } from '../runtime/wait';
import { runHealthProbe, type ProbeInput, type ProbeOutcome } from '../runtime/health-probe';
import { healthOf } from './health-schedule';
import type { containerMonitor } from '../workflows/monitor';
import { withHeartbeat } from './heartbeat';
import { classified } from './to-failure';

/** What a restart due after its backoff finds: go ahead, or why not. */
export type RestartGate = 'go' | 'removed' | 'manually-stopped' | 'running';

export interface MonitorActivityOptions {
  /** aborted when the worker starts stopping: the waits end then (retryable), to go on on another worker */
  draining?: AbortSignal;
}

/** The container monitor's activities (workflows/monitor.ts): the wait, Docker's Cleanup, the restart's marks. */
export function createMonitorActivities(runtime: HostRuntime, opts: MonitorActivityOptions = {}) {
  const yieldTo = opts.draining;
  return {
    async waitForRunEnd(input: { id: string; run: ContainerRun }): Promise<RunEnd> {
      return classified(() => withHeartbeat((ctx) => waitForRunEnd(runtime, input.id, input.run, ctx), { yieldTo }));
    },
    /** One healthcheck probe of the run (runtime/health-probe.ts): the status after it. */
    async runHealthProbe(input: ProbeInput): Promise<ProbeOutcome> {
      return classified(() => withHeartbeat((ctx) => runHealthProbe(runtime, input, ctx)));
    },
    async handleRunExit(input: {
      id: string;
      run: ContainerRun;
      end: Extract<RunEnd, { kind: 'exited' }>;
    }): Promise<ExitHandled> {
      return classified(() => withHeartbeat((ctx) => handleRunExit(runtime, input.id, input.run, input.end, ctx)));
    },
    /** docker run --rm: the exited container goes, with everything it held. */
    async autoRemove(input: { id: string }): Promise<void> {
      return classified(() =>
        withHeartbeat(async (ctx) => {
          if (!(await runtime.store.read(input.id))) return;
          await runtime.keepLogForReaders(input.id); // an attached client may not have read the last of it yet
          await runtime.remove(input.id, true, ctx, true); // Docker's AutoRemove removes its anonymous volumes
        }),
      );
    },
    /**
     * Docker's restore at boot, for restart policies: every container that should have a monitor gets one
     * (hand-over by signal-with-start, so a monitor that already runs is only signalled, never doubled): those
     * running, and those whose policy restarts them after their last exit. Returns their IDs. A monitor begun
     * under another workflow baseline cannot replay here: it is replaced, keeping the container's restart count.
     */
    async restoreMonitors(): Promise<string[]> {
      return classified(async () => {
        const wanted = (await runtime.list()).filter(needsMonitor);
        for (const rec of wanted) {
          const replaced = await retireIfOutdated(Context.current().client.workflow, monitorWorkflowId(rec.Id));
          await handOffToMonitor(
            rec,
            undefined,
            replaced ? { restartCount: rec.RestartCount ?? 0, delayMs: 0 } : undefined,
          );
        }
        return wanted.map((r) => r.Id);
      });
    },
    /**
     * docker wait: blocks (heartbeating) until the condition holds (default: the container does not run); its exit
     * code.
     */
    async waitContainer(input: WaitInput): Promise<WaitResult> {
      return classified(() => withHeartbeat((ctx) => waitForCondition(runtime, input, ctx), { yieldTo }));
    },
    async markRestarting(input: { id: string; restartCount: number }): Promise<void> {
      return classified(() => runtime.records.markRestarting(input.id, input.restartCount));
    },
    async clearRestarting(input: { id: string }): Promise<void> {
      return classified(async () => {
        if (await runtime.store.read(input.id)) await runtime.records.clearRestarting(input.id);
      });
    },
    /** Whether a restart due after its backoff may still go ahead, or why not. */
    async restartAllowed(input: { id: string }): Promise<RestartGate> {
      return classified(async () => {
        const rec = await runtime.store.read(input.id);
        if (!rec || rec.State.RemovalInProgress || rec.State.Dead) return 'removed';
        if (rec.HasBeenManuallyStopped) return 'manually-stopped';
        // started by someone else meanwhile: that run is handed over by its own start
        if (rec.State.Running) return 'running';
        return 'go';
      });
    },
  };
}

/**
 * Hands a run to the container's monitor: signal-with-start, so the monitor outlives the start saga, one
 * per container (a running monitor just gets the signal). On the task queue of the worker that owns the
 * container. Needs the activity's Temporal client.
 */
export async function handOffToMonitor(
  rec: ContainerRecord,
  startedBy?: ContainerRun['startedBy'],
  carried?: MonitorInput['carried'],
): Promise<void> {
  const { client, info } = Context.current();
  // The monitor is a workflow of the shared queue that names the container's host; the hand-over may run
  // on the host queue (an activity) or the shared one (a local activity of the start saga).
  const host = rec.Node?.Name;
  if (!host)
    throw new ContainerError('Internal', `the record of ${rec.Id} names no host: its monitor could not be reached`);
  await client.workflow.signalWithStart<typeof containerMonitor, [ContainerRun]>(WorkflowTypes.monitor, {
    taskQueue: sharedQueueOf(info.taskQueue, host),
    workflowId: monitorWorkflowId(rec.Id),
    args: [{ containerId: rec.Id, host, ...(carried ? { carried } : {}) }],
    signal: RUN_STARTED_SIGNAL,
    signalArgs: [
      { pid: rec.State.Pid, startedAt: rec.State.StartedAt, ...(startedBy ? { startedBy } : {}), ...healthOf(rec) },
    ],
    ...monitorMetadata(rec),
    memo: baselineMemo(),
  });
}

/**
 * The monitor's Web UI metadata: "monitor web · busybox sleep 3600", and the search attributes it updates as
 * its container restarts (ContainerState, RestartCount; see workflows/monitor.ts), starting from the record.
 */
function monitorMetadata(rec: ContainerRecord) {
  const meta = containerVerbMetadata('monitor', rec, [rec.Config.Image, commandOf(rec)].filter(Boolean).join(' '));
  meta.typedSearchAttributes.push(
    { key: SearchKeys.containerState, value: MonitoredState.running },
    { key: SearchKeys.restartCount, value: rec.RestartCount ?? 0 },
  );
  return meta;
}

export type MonitorActivities = ReturnType<typeof createMonitorActivities>;

/** Whether a container should have a monitor now: it runs, or its restart policy brings it back. */
export function needsMonitor(rec: ContainerRecord): boolean {
  if (!rec.HasBeenStartedBefore || rec.State.RemovalInProgress || rec.State.Dead) return false;
  if (rec.State.Running) return true;
  if (rec.HasBeenManuallyStopped) return false;
  const decision = restartDecision(
    rec.HostConfig.RestartPolicy,
    { exitCode: rec.State.ExitCode, ranMs: 0, manuallyStopped: false },
    { restartCount: rec.RestartCount ?? 0, delayMs: 0 },
  );
  return decision.restart;
}
