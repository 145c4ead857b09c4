import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { CpuSample } from './cpu';

/**
 * bench-budget.json, and the verdict of `npm run bench:budget` against it (scripts/bench-budget.ts measures):
 *   sagaOverheadP50Ms + marginPercent     saga p50 − driver p50, wall-clock: what Temporal and the workflow add to
 *                                         a start's latency; fails above budget × (1 + margin / 100)
 *   sagaOverheadCpuMs + cpuMarginPercent  CPU time per saga start (the bench process, i.e. worker and client,
 *                                         plus the Temporal server) minus the driver's own: what a start costs
 *                                         the host; load moves it far less than the latency, so its margin is
 *                                         tighter
 *   events.{start,compensatedStart}       `total`: history length (of a successful start the most of those
 *                                         measured; target ≤ 40); `besidesWorkflowTasks`: the events other
 *                                         than workflow tasks, no margin: fails above. The total varies with
 *                                         timing (parallel steps complete into one workflow task or several, 3
 *                                         events each): it may exceed its budget by `totalMarginEvents` (two
 *                                         such tasks); the other events do not vary, so an added step is caught
 *                                         even when timing hides it.
 * BENCHMARKS.md ("CI budget") gives the runs the margins were chosen from.
 */
export interface EventBudget {
  total: number;
  besidesWorkflowTasks: number;
}

export interface Budget {
  sagaOverheadP50Ms: number;
  marginPercent: number;
  sagaOverheadCpuMs: number;
  cpuMarginPercent: number;
  events: { start: EventBudget; compensatedStart: EventBudget };
  /** events a `total` may exceed its budget by: workflow tasks that timing adds (3 events each) */
  totalMarginEvents: number;
}

/** One try's figures (ROUNDS rounds). */
export interface Try {
  sagaP50: number;
  driverP50: number;
  overheadP50: number;
  /** mean CPU ms per saga start and per driver start */
  sagaCpu: CpuSample;
  driverCpu: CpuSample;
  /** sagaCpu.self + sagaCpu.server − driverCpu.self */
  overheadCpu: number;
}

export interface Measured {
  rounds: number;
  tries: Try[];
  /** the most of each count over the measured starts */
  events: { start: EventBudget; compensatedStart: EventBudget };
  /** the fewest events a measured successful start took */
  fewestStartEvents: number;
}

export function readBudget(file: string): Budget {
  const b = JSON.parse(readFileSync(file, 'utf8')) as Partial<Budget>;
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  const events = (e: Partial<EventBudget> | undefined) => num(e?.total) && num(e?.besidesWorkflowTasks);
  if (
    ![b.sagaOverheadP50Ms, b.marginPercent, b.sagaOverheadCpuMs, b.cpuMarginPercent, b.totalMarginEvents].every(num) ||
    !events(b.events?.start) ||
    !events(b.events?.compensatedStart)
  ) {
    throw new Error(
      `${file}: needs the numbers sagaOverheadP50Ms, marginPercent, sagaOverheadCpuMs, cpuMarginPercent, totalMarginEvents and events.{start,compensatedStart}.{total,besidesWorkflowTasks}`,
    );
  }
  return b as Budget;
}

export const wallLimit = (b: Budget) => b.sagaOverheadP50Ms * (1 + b.marginPercent / 100);
export const cpuLimit = (b: Budget) => b.sagaOverheadCpuMs * (1 + b.cpuMarginPercent / 100);

/** Whether another try is needed: a timing over its limit in every try so far. */
export function overLimit(tries: readonly Try[], b: Budget): boolean {
  return (
    Math.min(...tries.map((t) => t.overheadP50)) > wallLimit(b) ||
    Math.min(...tries.map((t) => t.overheadCpu)) > cpuLimit(b)
  );
}

/** The verdict lines and whether every figure is within budget; each timing counts its lowest try. */
export function judge(m: Measured, b: Budget): { lines: string[]; ok: boolean } {
  const lines: string[] = [];
  let ok = true;
  const line = (pass: boolean, text: string, under?: string) => {
    ok &&= pass;
    lines.push(`budget: ${pass ? 'ok  ' : 'FAIL'} ${text}${pass && under ? `; ${under}` : ''}`);
  };
  const lowest = (k: 'overheadP50' | 'overheadCpu') => m.tries.reduce((a, t) => (t[k] < a[k] ? t : a));
  const list = (k: 'overheadP50' | 'overheadCpu') =>
    m.tries.length > 1
      ? `; lowest of ${m.tries.length} tries: ${m.tries.map((t) => t[k].toFixed(1)).join(', ')} ms`
      : '';
  const w = lowest('overheadP50');
  line(
    w.overheadP50 <= wallLimit(b),
    `saga overhead p50 ${w.overheadP50.toFixed(1)} ms (saga ${w.sagaP50.toFixed(1)} − driver ${w.driverP50.toFixed(1)}, n = ${m.rounds}, simulated driver${list('overheadP50')}): budget ${b.sagaOverheadP50Ms} ms + ${b.marginPercent} % = ${wallLimit(b).toFixed(1)} ms`,
  );
  const c = lowest('overheadCpu');
  line(
    c.overheadCpu <= cpuLimit(b),
    `saga overhead CPU ${c.overheadCpu.toFixed(1)} ms per start (bench process ${c.sagaCpu.self.toFixed(1)} + server ${c.sagaCpu.server.toFixed(1)} − driver ${c.driverCpu.self.toFixed(1)}${list('overheadCpu')}): budget ${b.sagaOverheadCpuMs} ms + ${b.cpuMarginPercent} % = ${cpuLimit(b).toFixed(1)} ms`,
  );
  lines.push(
    `budget: load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} on ${os.availableParallelism()} CPUs`,
  );
  const most = `the most of ${m.tries.length * m.rounds} starts; the fewest ${m.fewestStartEvents}`;
  for (const [key, what] of [
    ['start', 'a successful start'],
    ['compensatedStart', 'a compensated start'],
  ] as const) {
    for (const [count, label] of [
      ['total', 'history events'],
      ['besidesWorkflowTasks', 'events besides workflow tasks'],
    ] as const) {
      const got = m.events[key][count];
      const want = b.events[key][count];
      const margin = count === 'total' ? b.totalMarginEvents : 0;
      const lower =
        got < want && count === 'besidesWorkflowTasks'
          ? `below budget: if the saga now takes fewer by design, lower events.${key}.${count} in bench-budget.json to ${got}`
          : undefined;
      line(
        got <= want + margin,
        `${label} of ${what}${key === 'start' && count === 'total' ? ` (${most})` : ''}: ${got}, budget ${want}${margin ? ` + ${margin}` : ''}`,
        lower,
      );
    }
  }
  return { lines, ok };
}
