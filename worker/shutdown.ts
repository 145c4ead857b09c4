import os from 'node:os';
import type { Worker } from '@temporalio/worker';

/**
 * The worker's graceful stop. The first SIGTERM or SIGINT stops polling (Worker.shutdown: the SDK's Runtime
 * does the same on its own signal handlers; whichever runs first wins, the other finds the worker stopping)
 * and gives the steps in flight the worker's shutdownGraceTime to finish; the SDK then cancels those still
 * running (their activities see the cancellation and end; being durable, the next worker retries them, or
 * the saga compensates). A second signal exits at once with 128 + the signal's number, as a shell reports a
 * process killed by it: the steps still in flight are then noticed by their heartbeat timeouts instead.
 * A local step (a start's host steps on the owner's worker) is not cancelled by the SDK at the
 * grace's end: its workflow task waits for it, which would hold the stop until the SDK gives up and fails the
 * worker. So when one is still running then, the worker exits (0: it stopped as asked) and leaves it to the
 * next worker, as a crash would: the workflow task times out, the next worker runs it again, and each step
 * adopts what this one made.
 */

export interface ShutdownHandlerOptions {
  worker: Pick<Worker, 'getState' | 'shutdown' | 'getStatus'>;
  /** the worker's shutdownGraceTime, for the messages and the "grace is over" line */
  graceMs: number;
  log: (line: string) => void;
  /** run once at the first signal (the Engine API stops accepting requests) */
  onStop?: () => void;
  signals?: readonly NodeJS.Signals[];
  /** process.exit, replaced in tests */
  exit?: (code: number) => void;
}

export interface ShutdownHandler {
  /** the first signal's name and when it came, undefined while none came */
  readonly stopping: { signal: NodeJS.Signals; at: number } | undefined;
  /** removes the handlers and the grace timer */
  dispose(): void;
}

export function handleShutdownSignals(opts: ShutdownHandlerOptions): ShutdownHandler {
  const signals = opts.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let stopping: ShutdownHandler['stopping'];
  let graceTimer: NodeJS.Timeout | undefined;
  const inFlight = () => {
    const s = opts.worker.getStatus();
    return `${s.numInFlightActivities} step${s.numInFlightActivities === 1 ? '' : 's'} and ${s.numInFlightWorkflowActivations} workflow task${s.numInFlightWorkflowActivations === 1 ? '' : 's'}`;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      opts.log(
        `${signal} again: exiting now; what was in flight is retried by the next worker once its heartbeat times out`,
      );
      exit(128 + (os.constants.signals[signal] ?? 0));
      return;
    }
    const signalAt = Date.now();
    stopping = { signal, at: signalAt };
    opts.log(
      `${signal}: stopping: no new tasks; ${inFlight()} in flight get up to ${seconds(opts.graceMs)} to finish (${signal} again exits at once)`,
    );
    if (opts.worker.getState() === 'RUNNING') opts.worker.shutdown();
    opts.onStop?.();
    graceTimer = setTimeout(() => {
      if (['STOPPED', 'FAILED'].includes(opts.worker.getState())) return;
      const local = opts.worker.getStatus().numInFlightLocalActivities;
      if (local > 0) {
        opts.log(
          `grace of ${seconds(opts.graceMs)} is over: exiting with ${inFlight()} still running; ${local} local step${local === 1 ? '' : 's'} go${local === 1 ? 'es' : ''} to the next worker when ${local === 1 ? 'its' : 'their'} workflow task times out (the SDK does not cancel local steps)`,
        );
        opts.log(`stopped ${seconds(Date.now() - signalAt)} after ${signal}`);
        exit(0);
        return;
      }
      opts.log(
        `grace of ${seconds(opts.graceMs)} is over: cancelling ${inFlight()} still running (the next worker retries them, or their start compensates)`,
      );
    }, opts.graceMs);
    graceTimer.unref();
  };
  for (const s of signals) process.on(s, onSignal);
  return {
    get stopping() {
      return stopping;
    },
    dispose() {
      for (const s of signals) process.off(s, onSignal);
      if (graceTimer) clearTimeout(graceTimer);
    },
  };
}

export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
