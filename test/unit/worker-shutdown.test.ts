/** worker/shutdown.ts: the first signal drains, the second exits at once; with a stand-in worker. */
import os from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { handleShutdownSignals, type ShutdownHandler, type ShutdownHandlerOptions } from '../../worker/shutdown';

// A signal nothing else in the test process listens to, emitted (not sent): the handler is what is tested.
const SIG = 'SIGWINCH' as const;

type FakeWorker = ShutdownHandlerOptions['worker'] & { state: string; shutdowns: number };

function fakeWorker(localSteps = 0): FakeWorker {
  const w = {
    state: 'RUNNING',
    shutdowns: 0,
    getState: () => w.state,
    shutdown: () => {
      if (w.state !== 'RUNNING') throw new Error(`Not running. Current state: ${w.state}`);
      w.shutdowns++;
      w.state = 'DRAINING';
    },
    getStatus: () => ({
      numInFlightActivities: 1 + localSteps,
      numInFlightLocalActivities: localSteps,
      numInFlightWorkflowActivations: 0,
    }),
  };
  return w as unknown as FakeWorker;
}

let handler: ShutdownHandler | undefined;
afterEach(() => {
  handler?.dispose();
  vi.useRealTimers();
});

describe('handleShutdownSignals', () => {
  it('first signal: stops polling once, says so with the grace and what is in flight, and stops the API', () => {
    const w = fakeWorker();
    const lines: string[] = [];
    const onStop = vi.fn();
    handler = handleShutdownSignals({
      worker: w,
      graceMs: 25_000,
      log: (l) => lines.push(l),
      onStop,
      signals: [SIG],
      exit: () => expect.fail('no exit on the first signal'),
    });
    expect(handler.stopping).toBeUndefined();
    process.emit(SIG, SIG);
    expect(w.shutdowns).toBe(1);
    expect(onStop).toHaveBeenCalledTimes(1);
    expect(handler.stopping?.signal).toBe(SIG);
    expect(lines).toEqual([
      `${SIG}: stopping: no new tasks; 1 step and 0 workflow tasks in flight get up to 25 s to finish (${SIG} again exits at once)`,
    ]);
  });

  it('a worker the SDK already stopped (its own signal handler ran first) is not stopped twice', () => {
    const w = fakeWorker();
    w.state = 'DRAINING';
    handler = handleShutdownSignals({
      worker: w,
      graceMs: 1_000,
      log: () => undefined,
      signals: [SIG],
      exit: () => undefined,
    });
    expect(() => process.emit(SIG, SIG)).not.toThrow();
    expect(w.shutdowns).toBe(0);
  });

  it('second signal: exits at once with 128 + the signal number', () => {
    const w = fakeWorker();
    const lines: string[] = [];
    const exit = vi.fn();
    handler = handleShutdownSignals({ worker: w, graceMs: 25_000, log: (l) => lines.push(l), signals: [SIG], exit });
    process.emit(SIG, SIG);
    expect(exit).not.toHaveBeenCalled();
    process.emit(SIG, SIG);
    expect(exit).toHaveBeenCalledWith(128 + os.constants.signals[SIG]);
    expect(lines[1]).toBe(
      `${SIG} again: exiting now; what was in flight is retried by the next worker once its heartbeat times out`,
    );
  });

  it('says when the grace is over and steps are being cancelled, unless the worker stopped by then', () => {
    vi.useFakeTimers();
    const w = fakeWorker();
    const lines: string[] = [];
    handler = handleShutdownSignals({
      worker: w,
      graceMs: 2_000,
      log: (l) => lines.push(l),
      signals: [SIG],
      exit: () => undefined,
    });
    process.emit(SIG, SIG);
    vi.advanceTimersByTime(1_999);
    expect(lines).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(lines[1]).toBe(
      'grace of 2 s is over: cancelling 1 step and 0 workflow tasks still running (the next worker retries them, or their start compensates)',
    );

    const w2 = fakeWorker();
    const lines2: string[] = [];
    handler.dispose();
    handler = handleShutdownSignals({
      worker: w2,
      graceMs: 2_000,
      log: (l) => lines2.push(l),
      signals: [SIG],
      exit: () => undefined,
    });
    process.emit(SIG, SIG);
    w2.state = 'STOPPED';
    vi.advanceTimersByTime(2_000);
    expect(lines2).toHaveLength(1);
  });

  it('a local step still running when the grace is over: exits 0 at once, leaving it to the next worker (the SDK would wait for it)', () => {
    vi.useFakeTimers();
    const w = fakeWorker(1);
    const lines: string[] = [];
    const exit = vi.fn();
    handler = handleShutdownSignals({ worker: w, graceMs: 2_000, log: (l) => lines.push(l), signals: [SIG], exit });
    process.emit(SIG, SIG);
    vi.advanceTimersByTime(1_999);
    expect(exit).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(exit).toHaveBeenCalledWith(0);
    expect(lines.slice(1)).toEqual([
      'grace of 2 s is over: exiting with 2 steps and 0 workflow tasks still running; 1 local step goes to the next worker when its workflow task times out (the SDK does not cancel local steps)',
      `stopped 2 s after ${SIG}`,
    ]);
  });

  it('dispose removes its listeners', () => {
    const before = process.listenerCount(SIG);
    handler = handleShutdownSignals({ worker: fakeWorker(), graceMs: 1, log: () => undefined, signals: [SIG] });
    expect(process.listenerCount(SIG)).toBe(before + 1);
    handler.dispose();
    expect(process.listenerCount(SIG)).toBe(before);
  });
});
