import type { RestartPolicy } from './types';

/**
 * Docker's restart manager (restartmanager/restartmanager.go), pure: whether a container that has just
 * exited is restarted, and after how long. The delay starts at 100 ms and doubles up to 1 minute; a run
 * that lasted 10 s or more resets it. `stop` and `kill` (manually stopped) win over every policy.
 */
export const RESTART_FIRST_DELAY_MS = 100;
export const RESTART_MAX_DELAY_MS = 60_000;
/** A run at least this long resets the backoff. */
export const RESTART_RESET_AFTER_MS = 10_000;

export interface RestartState {
  /** restarts so far (Docker's RestartCount) */
  restartCount: number;
  /** the delay before the previous restart (0 before the first) */
  delayMs: number;
}

export interface LastRun {
  exitCode: number;
  /** how long the run lasted (0 for a restart that never ran) */
  ranMs: number;
  manuallyStopped: boolean;
}

export type RestartDecision = { restart: false } | { restart: true; delayMs: number };

export function restartDecision(policy: RestartPolicy, last: LastRun, state: RestartState): RestartDecision {
  if (last.manuallyStopped) return { restart: false };
  switch (policy.Name) {
    case 'always':
    case 'unless-stopped':
      break;
    case 'on-failure':
      if (last.exitCode === 0) return { restart: false };
      // MaximumRetryCount 0 means no limit
      if (policy.MaximumRetryCount > 0 && state.restartCount >= policy.MaximumRetryCount) return { restart: false };
      break;
    default:
      return { restart: false };
  }
  const base = last.ranMs >= RESTART_RESET_AFTER_MS ? 0 : state.delayMs;
  return { restart: true, delayMs: base === 0 ? RESTART_FIRST_DELAY_MS : Math.min(base * 2, RESTART_MAX_DELAY_MS) };
}
