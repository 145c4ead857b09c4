import { ContainerError } from './errors';

/**
 * Docker's signal parsing for `kill -s` (moby/sys/signal ParseSignal + ValidSignalForPlatform on Linux):
 * a number, or a name with or without "SIG", in any case. Pure: the workflow, the runtime and tests share it.
 */

const NAMED: Record<string, number> = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  IOT: 6,
  BUS: 7,
  FPE: 8,
  KILL: 9,
  USR1: 10,
  SEGV: 11,
  USR2: 12,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  STKFLT: 16,
  CHLD: 17,
  CLD: 17,
  CONT: 18,
  STOP: 19,
  TSTP: 20,
  TTIN: 21,
  TTOU: 22,
  URG: 23,
  XCPU: 24,
  XFSZ: 25,
  VTALRM: 26,
  PROF: 27,
  WINCH: 28,
  IO: 29,
  POLL: 29,
  PWR: 30,
  SYS: 31,
  UNUSED: 31,
};

const RTMIN = 34;
const RTMAX = 64;

/** Docker's Linux SignalMap: the classic names plus RTMIN, RTMIN+1…+15, RTMAX-14…-1, RTMAX. */
export const SIGNALS: Readonly<Record<string, number>> = Object.freeze({
  ...NAMED,
  RTMIN,
  ...Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`RTMIN+${i + 1}`, RTMIN + i + 1])),
  ...Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`RTMAX-${14 - i}`, RTMAX - 14 + i])),
  RTMAX,
});

/** What `kill` sends when no signal is given. */
export const DEFAULT_KILL_SIGNAL = 9;

/**
 * The signal number for `raw` (e.g. "9", "KILL", "sigterm"), or Docker's 400: "Invalid signal: X" for an
 * unknown name or 0, "the linux daemon does not support signal N" for a number outside 1..64.
 */
export function parseSignal(raw: string): number {
  const invalid = () => new ContainerError('InvalidParameter', `Invalid signal: ${raw}`);
  if (/^[+-]?\d+$/.test(raw.trim())) {
    const n = Number.parseInt(raw, 10);
    if (n === 0) throw invalid();
    if (n < 1 || n > RTMAX)
      throw new ContainerError('InvalidParameter', `the linux daemon does not support signal ${n}`);
    return n;
  }
  const n = SIGNALS[raw.toUpperCase().replace(/^SIG/, '')];
  if (n === undefined) throw invalid();
  return n;
}

/** Signals whose default action does not end a process (it ignores, stops or continues instead). */
const NOT_FATAL = new Set([17, 18, 19, 20, 21, 22, 23, 28]);

/** Whether a process without a handler for `signal` ends when it gets it (the simulated driver's rule). */
export function endsByDefault(signal: number): boolean {
  return !NOT_FATAL.has(signal);
}
