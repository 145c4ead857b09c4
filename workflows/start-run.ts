import {
  ApplicationFailure,
  isCancellation,
  log,
  setCurrentDetails,
  setHandler,
  defineQuery,
} from '@temporalio/workflow';
import { PROGRESS_QUERY } from '../common/names';
import { currentOf, type ContainerSnapshot, type ContainerStartResult } from '../common/start-api';
import type { StartStepName } from '../common/steps';
import { recordCompensation, recordStartEnd } from '../metrics/workflow';
import { StartOutcome } from '../metrics/names';
import { detailOf, failureOf } from './failures';

export const progressQuery = defineQuery<ContainerStartResult>(PROGRESS_QUERY);

/**
 * One start saga's record: what the `progress` query answers, what the Web UI's current details show, and
 * the workflow's result. The phases of containerStart report to it as they go (steps done, compensations
 * run); they never touch its fields themselves.
 */
export class StartRun {
  readonly record: ContainerStartResult = {
    containerId: '',
    name: '',
    status: 'starting',
    steps: [],
    compensations: [],
    leftovers: [],
  };
  /** the step whose failure stopped the start (the first to fail; for steps run at once, the one the saga sees) */
  private failedAt?: string;
  /**
   * The container's host, once one of its steps was not picked up in time: nothing more is sent to it
   * (compensate.ts noteHostGone).
   */
  hostGone?: string;
  /** the claim is released already (by mark-running, with the run's success) */
  claimReleased = false;

  constructor(private readonly ref: string) {
    setHandler(progressQuery, () => this.record);
  }

  get id(): string {
    return this.record.containerId;
  }

  /** The container is known (after lookup): the record and the UI name it. */
  identify(c: ContainerSnapshot): void {
    this.record.containerId = c.id;
    this.record.name = c.name;
  }

  /**
   * The step a failure stopped: the one that threw, else (a check on a step's result, like the claim's
   * removal check) the last one done.
   */
  get failedStep(): string {
    return this.failedAt ?? this.record.steps.at(-1) ?? 'lookup';
  }

  /** Runs one step: it shows as current while it runs and is listed once it is done. */
  async step<T>(name: StartStepName, fn: () => Promise<T>): Promise<T> {
    this.showCurrent([name]);
    let value: T;
    try {
      value = await fn();
    } catch (err) {
      this.failedAt ??= name;
      throw err;
    }
    this.record.steps.push(name);
    return value;
  }

  /**
   * Steps that run at once: all of them settle before the saga goes on or compensates (so no compensation
   * races a step still in flight); those that finished are listed in the order given, and the first failure
   * (a cancellation first) is what the saga sees. Returns each step's value by name.
   */
  async stepsAtOnce(
    parts: ReadonlyArray<readonly [StartStepName, () => Promise<unknown>]>,
  ): Promise<Map<string, unknown>> {
    this.showCurrent(parts.map(([name]) => name));
    const settled = await Promise.allSettled(parts.map(([, run]) => run()));
    const values = new Map<string, unknown>();
    settled.forEach((s, i) => {
      if (s.status !== 'fulfilled') return;
      this.record.steps.push(parts[i]![0]);
      values.set(parts[i]![0], s.value);
    });
    const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
    if (failures.length > 1) {
      // One error is the saga's (Docker reports one); the others stay in the worker's log and the history.
      log.warn('more than one step failed at once', {
        container: this.id,
        errors: failures.map((f) => detailOf(f).message),
      });
    }
    if (failures.length > 0) {
      const failure = failures.find((f) => isCancellation(f)) ?? failures[0];
      this.failedAt ??= parts[settled.findIndex((s) => s.status === 'rejected' && s.reason === failure)]![0];
      throw failure;
    }
    return values;
  }

  private showCurrent(names: string[]): void {
    this.record.current = currentOf(names);
    setCurrentDetails(`**${this.record.current}** — ${this.record.name || this.ref}`);
  }

  /** The start ends before any side effect: the error as it is, with this record. */
  fail(err: unknown): never {
    this.record.status = isCancellation(err) ? 'cancelled' : 'failed';
    const step = this.failedStep;
    delete this.record.current;
    if (isCancellation(err)) {
      recordStartEnd(StartOutcome.cancelled);
      throw err;
    }
    this.record.error = detailOf(err);
    recordStartEnd(StartOutcome.failed, { step, errorType: this.record.error.type });
    this.showEnd();
    throw failureOf(this.record.error, this.record);
  }

  /** The start succeeded; `note` tells the Web UI why it ended so when that is not plain (an adoption). */
  running(pid: number, note?: string): ContainerStartResult {
    this.record.pid = pid;
    this.record.status = 'running';
    delete this.record.current;
    recordStartEnd(StartOutcome.started);
    setCurrentDetails(
      `**running** — ${this.record.name} pid ${pid}${this.record.ipAddress ? ` ip ${this.record.ipAddress}` : ''}${note ? ` (${note})` : ''}`,
    );
    return this.record;
  }

  /** The failure path begins: the error is recorded (a cancellation as 499) and shown. */
  compensating(err: unknown): void {
    this.failedAt ??= this.record.current;
    this.record.error = isCancellation(err)
      ? { type: 'Internal', message: 'start cancelled', status: 499 }
      : detailOf(err);
    this.record.status = 'compensating';
    this.record.current = 'compensate';
    setCurrentDetails(`**compensating** — ${this.record.name}: ${this.record.error.message}`);
  }

  /** One compensation ended: listed when it released what it undoes (one that failed becomes a leftover). */
  compensationEnded(name: string, error: unknown): void {
    if (error === undefined) this.record.compensations.push(name);
    recordCompensation(name, error === undefined);
  }

  /** The Web UI's current details once the start has failed or been cancelled: where, why, what was undone. */
  private showEnd(): void {
    const { status, name, error, compensations, leftovers } = this.record;
    const undone = compensations.length > 0 ? `; compensated: ${compensations.join(', ')}` : '';
    const left = leftovers.length > 0 ? `; left over: ${leftovers.join('; ')}` : '';
    setCurrentDetails(
      `**${status}** at ${this.failedStep} — ${name || this.ref}: ${error?.message ?? 'cancelled'}${undone}${left}`,
    );
  }

  /** The failure path is over: the failure the workflow ends with (a cancellation ends it as such). */
  compensated(err: unknown): ApplicationFailure | unknown {
    const cancelled = isCancellation(err);
    this.record.status = cancelled ? 'cancelled' : 'failed';
    delete this.record.current;
    this.showEnd();
    const error = this.record.error!;
    recordStartEnd(cancelled ? StartOutcome.cancelled : StartOutcome.compensated, {
      step: this.failedStep,
      errorType: error.type,
    });
    if (cancelled) return err;
    if (this.record.leftovers.length === 0) return failureOf(error, this.record);
    if (this.hostGone && error.type === 'HostUnavailable') {
      // what is left is the gone host's to release, at its worker's start-up: the failure stays the host's
      const left = this.record.leftovers.map((l) => l.split(':')[0]).join(', ');
      return failureOf(
        { ...error, message: `${error.message}; left for host ${this.hostGone}'s start-up reconcile: ${left}` },
        this.record,
      );
    }
    const message = `${error.message}; could not release: ${this.record.leftovers.join('; ')}`;
    return failureOf({ type: 'CompensationIncomplete', status: 500, message }, this.record);
  }
}
