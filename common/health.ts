import { ContainerError } from './errors';
import type { HealthConfig } from './image-config';

/**
 * Docker's healthcheck rules (moby daemon/health.go, container/health.go), pure and workflow-safe: the probe's
 * command, the schedule, what a probe's result does to the state, and create's checks of the config. The
 * monitor (workflows/monitor.ts) keeps the schedule as durable timers; the state lives in the record.
 */

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

/** One probe as inspect's State.Health.Log shows it. */
export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

/** State.Health as Docker keeps it. */
export interface HealthState {
  Status: HealthStatus;
  FailingStreak: number;
  Log: HealthLogEntry[];
}

/** Docker's defaults for a zero field, and its limits. */
export const HEALTH_DEFAULTS = {
  intervalMs: 30_000,
  timeoutMs: 30_000,
  startPeriodMs: 0,
  startIntervalMs: 5_000,
  retries: 3,
};
/** the last probes kept in the log (maxLogEntries) */
export const HEALTH_LOG_MAX = 5;
/** the bytes of a probe's output kept (maxOutputLen), stdout and stderr together */
export const HEALTH_OUTPUT_MAX = 4096;

/** When the monitor probes, in milliseconds (Docker's durations are nanoseconds; a zero one takes the default). */
export interface HealthSchedule {
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  startIntervalMs: number;
  retries: number;
  /** probes in one run of the monitor's history before it continues as new (default 200; tests take fewer) */
  probesPerHistory?: number;
}

/** Whether the config makes the container probed: a Test other than NONE (an empty one inherits, so none). */
export function hasHealthcheck(h: HealthConfig | undefined): h is HealthConfig & { Test: string[] } {
  return !!h?.Test?.length && h.Test[0] !== 'NONE';
}

/** The probe's exec: `CMD args…` as they are, `CMD-SHELL cmd` through /bin/sh -c; undefined for another kind. */
export function probeCommand(test: readonly string[]): string[] | undefined {
  const [kind, ...rest] = test;
  if (kind === 'CMD' && rest.length > 0) return rest;
  if (kind === 'CMD-SHELL' && rest.length > 0) return ['/bin/sh', '-c', rest.join(' ')];
  return undefined;
}

const ms = (ns: number | undefined, dflt: number) => (ns && ns > 0 ? Math.max(1, Math.round(ns / 1e6)) : dflt);

export function healthSchedule(h: HealthConfig): HealthSchedule {
  const d = HEALTH_DEFAULTS;
  return {
    intervalMs: ms(h.Interval, d.intervalMs),
    timeoutMs: ms(h.Timeout, d.timeoutMs),
    startPeriodMs: ms(h.StartPeriod, d.startPeriodMs),
    startIntervalMs: ms(h.StartInterval, d.startIntervalMs),
    retries: h.Retries && h.Retries > 0 ? h.Retries : d.retries,
  };
}

/** Docker's getInterval: the start interval while still starting within the start period, else the interval. */
export function nextProbeDelay(s: HealthSchedule, status: HealthStatus, sinceStartMs: number): number {
  if (!(sinceStartMs < s.startPeriodMs)) return s.intervalMs;
  return status === 'starting' ? s.startIntervalMs : s.intervalMs;
}

/** A run's health when it starts (initHealthMonitor): starting, no streak; the log of earlier runs kept. */
export function startingHealth(prev: HealthState | undefined): HealthState {
  return { Status: 'starting', FailingStreak: 0, Log: prev?.Log ?? [] };
}

/**
 * Docker's handleProbeResult: the log trimmed to the last five; a failure counts unless the container is still
 * starting within its start period.
 */
export function applyProbeResult(
  prev: HealthState,
  result: HealthLogEntry,
  s: HealthSchedule,
  startedAt: string,
): HealthState {
  const Log = [...prev.Log, result].slice(-HEALTH_LOG_MAX);
  if (result.ExitCode === 0) return { Status: 'healthy', FailingStreak: 0, Log };
  const inStartPeriod =
    prev.Status === 'starting' && Date.parse(result.Start) - Date.parse(startedAt) < s.startPeriodMs;
  if (inStartPeriod) return { ...prev, Log };
  const FailingStreak = prev.FailingStreak + 1;
  return { Status: FailingStreak >= s.retries ? 'unhealthy' : prev.Status, FailingStreak, Log };
}

/** Health.String(): what ps shows in parentheses after "Up …". */
export function healthText(status: HealthStatus): string {
  return status === 'starting' ? 'health: starting' : status;
}

/** Go's time.Duration.String() of whole milliseconds: 500ms, 1s, 1.5s, 2m0s, 1h0m0s. */
export function goDuration(totalMs: number): string {
  if (totalMs === 0) return '0s';
  if (totalMs < 1000) return `${totalMs}ms`;
  const h = Math.floor(totalMs / 3_600_000);
  const m = Math.floor((totalMs % 3_600_000) / 60_000);
  const secMs = totalMs % 60_000;
  const sec = String(secMs / 1000);
  if (h > 0) return `${h}h${m}m${sec}s`;
  if (m > 0) return `${m}m${sec}s`;
  return `${sec}s`;
}

/** Docker's minimum of every non-zero healthcheck duration (container.MinimumDuration). */
const MINIMUM_NS = 1e6;

/** The daemon's validateHealthCheck at create: a 400 with its message. */
export function checkHealthConfig(h: HealthConfig | undefined): void {
  if (!h) return;
  const bad = (msg: string): never => {
    throw new ContainerError('InvalidParameter', msg);
  };
  const short = (v: number | undefined) => v !== undefined && v !== 0 && v < MINIMUM_NS;
  if (short(h.Interval)) bad('Interval in Healthcheck cannot be less than 1ms');
  if (short(h.Timeout)) bad('Timeout in Healthcheck cannot be less than 1ms');
  if ((h.Retries ?? 0) < 0) bad('Retries in Healthcheck cannot be negative');
  if (short(h.StartPeriod)) bad('StartPeriod in Healthcheck cannot be less than 1ms');
  if (short(h.StartInterval)) bad('StartInterval in Healthcheck cannot be less than 1ms');
}
