import { formatTable } from '../../client/output';
import type { PullEngineResult, PullResult } from './pull';
import type { Unmeasured } from './report';
import type { Summary } from './stats';

/** The pull section of the report: one column per engine, and ours / dockerd. */
export function formatPull(p: PullResult | Unmeasured): string[] {
  if ('reason' in p) return [`  not measured: ${p.reason}`];
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  const [docker, ours] = ['dockerd', 'container-saga API'].map((n) => p.engines.find((e) => e.name === n));
  const p50 = (s: Summary | undefined) => s?.p50;
  const row = (
    what: string,
    get: (e: PullEngineResult) => number | undefined,
    fmt: (x: number) => string,
    compare = true,
  ): string[] => {
    const [a, b] = [docker, ours].map((e) => (e ? get(e) : undefined));
    return [
      what,
      a === undefined ? '-' : fmt(a),
      b === undefined ? '-' : fmt(b),
      compare && a && b !== undefined ? `${(b / a).toFixed(2)}×` : '-',
    ];
  };
  const i = p.images;
  const rows = [
    row(`docker pull, ${mb(i.bigBytes)} in 5 layers (p50 of ${p.n})`, (e) => p50(e.pull), ms),
    row(
      `docker pull, sibling: 1 layer of ${mb(i.siblingTopBytes)} missing (p50 of ${p.n})`,
      (e) => p50(e.siblingPull),
      ms,
    ),
    row(`docker pull, ${i.layers} small layers (once)`, (e) => e.manyPull, ms),
    row('disk before the pulls (busybox and what the bench left)', (e) => e.disk?.before, mb, false),
    row(`disk added by the ${mb(i.bigBytes)} image`, (e) => e.disk?.big, mb),
    row('disk added by its sibling', (e) => e.disk?.sibling, mb),
    row(`docker run --rm, flat busybox (p50 of ${p.runN})`, (e) => p50(e.runFlat), ms),
    row(`docker run --rm, ${i.layers} layers (p50 of ${p.runN})`, (e) => p50(e.runMany), ms),
    row(
      'docker run --rm: many layers / flat, p50',
      (e) => (e.runMany && e.runFlat ? e.runMany.p50 / e.runFlat.p50 : undefined),
      (x) => `${x.toFixed(2)}×`,
    ),
  ];
  const out = formatTable(['', 'dockerd', 'ours (API)', 'ours / dockerd'], rows)
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`);
  out.push(
    `  images: ${i.big}, ${i.sibling}, ${i.many}; built and pushed in ${(p.prepareMs / 1000).toFixed(1)} s, the whole section ${(p.ms / 1000).toFixed(1)} s`,
  );
  for (const e of p.engines) {
    out.push(`  ${e.name}: du of ${e.storage}: ${e.counts}`);
    if (e.removedBy) out.push(`    images removed between pulls through ${e.removedBy}`);
    if (!e.measured) out.push(`    not measured from there on: ${e.reason}`);
  }
  for (const [name, e] of [
    ['dockerd', docker],
    ['container-saga API', ours],
  ] as const)
    if (!e) out.push(`  ${name}: not measured (no docker CLI against it in this run)`);
  return out;
}

/** ours / dockerd, pull p50 of the ≥ 100 MB image; undefined unless both measured it. */
export function pullRatio(p: PullResult | Unmeasured | undefined): number | undefined {
  if (!p || 'reason' in p) return undefined;
  const [a, b] = ['dockerd', 'container-saga API'].map((n) => p.engines.find((e) => e.name === n)?.pull?.p50);
  return a && b !== undefined ? b / a : undefined;
}
