import { formatTable } from '../../client/output';
import type { InteractiveEngineResult, InteractiveResult } from './interactive';
import type { Unmeasured } from './report';

const ENGINES = ['dockerd', 'container-saga API'];

/** The interactive section of the report: one column per engine, and ours / dockerd. */
export function formatInteractive(p: InteractiveResult | Unmeasured): string[] {
  if ('reason' in p) return [`  not measured: ${p.reason}`];
  const ms = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(0)} ms`;
  const [docker, ours] = ENGINES.map((n) => p.engines.find((e) => e.name === n));
  const row = (what: string, get: (e: InteractiveEngineResult) => number | undefined): string[] => {
    const [a, b] = [docker, ours].map((e) => (e ? get(e) : undefined));
    return [
      what,
      a === undefined ? '-' : ms(a),
      b === undefined ? '-' : ms(b),
      a && b !== undefined ? `${(b / a).toFixed(2)}×` : '-',
    ];
  };
  const keys = docker?.echo?.n ?? ours?.echo?.n ?? 0;
  const rows = [
    row(`docker run -it until the prompt (p50 of ${p.n})`, (e) => e.prompt?.p50),
    row(`keystroke to its echo (p50 of ${keys})`, (e) => e.echo?.p50),
    row(`keystroke to its echo (p99 of ${keys})`, (e) => e.echo?.p99),
    row(`docker exec true (p50 of ${p.n})`, (e) => e.exec?.p50),
  ];
  const out = formatTable(['', 'dockerd', 'ours (API)', 'ours / dockerd'], rows)
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`);
  out.push(`  the whole section ${(p.ms / 1000).toFixed(1)} s`);
  for (const e of p.engines) if (!e.measured) out.push(`  ${e.name}: not measured from there on: ${e.reason}`);
  return out;
}
