import { formatTable } from '../../client/output';
import type { NetEngineResult, NetResult } from './net';
import type { Unmeasured } from './report';

/** The networking section of the report: one column per engine, and ours / dockerd. */
export function formatNet(p: NetResult | Unmeasured): string[] {
  if ('reason' in p) return [`  not measured: ${p.reason}`];
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  const [docker, ours] = ['dockerd', 'container-saga API'].map((n) => p.engines.find((e) => e.name === n));
  const row = (what: string, get: (e: NetEngineResult) => number | undefined): string[] => {
    const [a, b] = [docker, ours].map((e) => (e ? get(e) : undefined));
    return [
      what,
      a === undefined ? '-' : ms(a),
      b === undefined ? '-' : ms(b),
      a && b !== undefined ? `${(b / a).toFixed(2)}×` : '-',
    ];
  };
  const rows = [
    row(`docker start, default bridge (p50 of ${p.n})`, (e) => e.plain?.p50),
    row(`docker start, a user-defined network (p50 of ${p.n})`, (e) => e.userNetwork?.p50),
    row(`docker start, one published port (p50 of ${p.n})`, (e) => e.published?.p50),
    row(`start until the published port answers HTTP (p50 of ${p.n})`, (e) => e.answers?.p50),
  ];
  const out = formatTable(['', 'dockerd', 'ours (API)', 'ours / dockerd'], rows)
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`);
  out.push(`  the whole section ${(p.ms / 1000).toFixed(1)} s`);
  for (const e of p.engines) if (!e.measured) out.push(`  ${e.name}: not measured from there on: ${e.reason}`);
  return out;
}

/** ours / dockerd for the start with a published port, p50 (the target's figure). */
export function netRatio(p: NetResult | Unmeasured, k: 'published' | 'userNetwork'): number | undefined {
  if ('reason' in p) return undefined;
  const [a, b] = ['dockerd', 'container-saga API'].map((n) => p.engines.find((e) => e.name === n)?.[k]?.p50);
  return a && b !== undefined ? b / a : undefined;
}
