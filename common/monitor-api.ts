import type { HealthSchedule, HealthStatus } from './health';

/** The container monitor's contract: its workflow ID, its signal, its input and what it reports. */

/** One monitor per container: its workflow ID derives from the container ID. */
export function monitorWorkflowId(containerId: string): string {
  return `container-monitor-${containerId}`;
}

/** Signal: a run of the container has started (the start saga hands each run to the monitor). */
export const RUN_STARTED_SIGNAL = 'runStarted';

/** A run of the container, named by when it started (a restart is a new run). */
export interface ContainerRun {
  pid: number;
  /** State.StartedAt of the run */
  startedAt: string;
  /** the start saga that began it (its claim may still be held when a quick process has already exited) */
  startedBy?: { workflowId: string; runId: string };
  /** the container's healthcheck, when it has one the monitor runs (common/health.ts) */
  healthcheck?: HealthSchedule;
}

/** A run's probe schedule carried over continue-as-new: neither reset nor lost. */
export interface HealthCarried {
  /** the run it belongs to (State.StartedAt) */
  runStartedAt: string;
  status: HealthStatus;
  /** workflow time of the last probe's end (the next is due an interval after it) */
  lastProbeAt: number;
}

/** How the watched run ended, as the monitor's wait saw it. */
export type RunEnd =
  | { kind: 'exited'; exitCode: number; finishedAt: string; oomKilled: boolean }
  /** the container was removed */
  | { kind: 'removed' }
  /** the record shows another run: someone started the container again */
  | { kind: 'superseded'; run: ContainerRun };

export interface MonitorInput {
  containerId: string;
  /** the container's host (its activities go to that host's queue) */
  host: string;
  /** carried over continue-as-new */
  carried?: { run?: ContainerRun; restartCount: number; delayMs: number; health?: HealthCarried };
}

export interface MonitorResult {
  containerId: string;
  /** why the monitor ended */
  ended: 'removed' | 'manually-stopped' | 'policy';
  restartCount: number;
  lastExitCode?: number;
}
