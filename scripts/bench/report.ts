import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatTable } from '../../client/output';
import type { CompensationResult } from './compensation';
import type { CpuSample } from './cpu';
import type { MemoryResult } from './memory';
import type { PullResult } from './pull';
import type { NetResult } from './net';
import type { InteractiveResult } from './interactive';
import { formatSections } from './report-sections';
import { ratio, summarize, type Ratio, type Summary } from './stats';
import type { SideResult } from './throughput';
import type { Span } from './history';

/** What the bench times, in the order it prints them. */
export const MEASUREMENTS = {
  sagaStart: 'saga start (warm Temporal client, client-observed)',
  driverStart: 'driver steps of a start, no Temporal',
  dockerApiStart: 'dockerd: Engine API POST /containers/{id}/start',
  oursApiStart: 'container-saga API: POST /containers/{id}/start',
  dockerCliStart: 'dockerd: `docker start` (CLI process)',
  oursCliStart: 'container-saga API: `docker start` (CLI process)',
  dockerCliPs: 'dockerd: `docker ps` (CLI process)',
  oursCliPs: 'container-saga API: `docker ps` (CLI process)',
  driverFloor: 'floor: netns + lo up, CNI ADD, `runc run -d` (bare tools)',
  temporalEmpty: 'Temporal floor: an empty workflow (warm client)',
  temporalShape: "Temporal floor: a start's 7 local activities as no-ops",
} as const;
export type Measurement = keyof typeof MEASUREMENTS;
export type Samples = Record<Measurement, number[]>;

/** numerator / denominator, by name, printed as "label". */
const RATIOS: { key: string; label: string; a: Measurement; b: Measurement }[] = [
  { key: 'sagaOverDockerApiStart', label: 'start: saga / dockerd Engine API', a: 'sagaStart', b: 'dockerApiStart' },
  {
    key: 'oursOverDockerApiStart',
    label: 'start: container-saga API / dockerd, Engine API',
    a: 'oursApiStart',
    b: 'dockerApiStart',
  },
  {
    key: 'oursOverDockerCliStart',
    label: 'docker start CLI: container-saga API / dockerd',
    a: 'oursCliStart',
    b: 'dockerCliStart',
  },
  {
    key: 'oursOverDockerCliPs',
    label: 'docker ps CLI: container-saga API / dockerd',
    a: 'oursCliPs',
    b: 'dockerCliPs',
  },
  { key: 'sagaOverDriver', label: 'start: saga / driver steps (what Temporal adds)', a: 'sagaStart', b: 'driverStart' },
  {
    key: 'driverOverFloor',
    label: 'driver steps / floor (netns + CNI ADD + runc run -d)',
    a: 'driverStart',
    b: 'driverFloor',
  },
];

/** Why a part was not measured (undefined: it was), printed and written to the results. */
export interface Part {
  measured: boolean;
  reason?: string;
}

/** A phase that did not run or failed, and why. */
export interface Unmeasured {
  measured: false;
  reason: string;
}

export interface ThroughputResult {
  /** starts per batch (at least the number in flight) */
  n: number;
  levels: number[];
  /** the saga on the bench's driver, dockerd's Engine API (when measured) */
  sides: SideResult[];
  /** the saga with the simulated driver: a worker and task queue of its own, own state root */
  simulated?: SideResult;
  /** ours / dockerd's starts per second at the most in flight */
  ratioAtMost?: number;
}

export interface Results {
  timestamp: string;
  /** loadavg: the 1, 5 and 15 minute load averages when the bench began and when it ended (a shared host) */
  host: { hostname: string; kernel: string; cpus: number; node: string; loadavg: { start: number[]; end: number[] } };
  n: number;
  driver: { kind: string; reason: string };
  docker: Part & { version?: unknown; flags?: string[] };
  api: Part & { entry?: string; createdBy?: string };
  /** the floors timed beside the rest: the bare tools (root, Linux driver) and Temporal alone */
  floors?: { driver: Part; temporal: Part };
  summaries: Partial<Record<Measurement, Summary>>;
  ratios: Record<string, Ratio>;
  samples: Samples;
  /** the in-process workers' slots and pollers (config/worker-tuning.ts, from CONTAINER_SAGA_* variables) */
  workerTuning?: string;
  /**
   * mean CPU ms per measured start: the bench process (worker, client, the driver's Node side) and the Temporal server
   */
  cpu?: { sagaStart?: CpuSample; driverStart?: CpuSample };
  /** history length of every measured saga start */
  startEvents?: number[];
  /** the history of the measured saga start whose time was the median */
  timeline?: { clientMs: number; serverMs: number; events: number; spans: Span[] };
  compensation?: (CompensationResult & { n: number }) | Unmeasured;
  throughput?: ThroughputResult | Unmeasured;
  memory?: MemoryResult | Unmeasured;
  /** the pull section (scripts/bench/pull.ts) */
  pull?: PullResult | Unmeasured;
  /** the networking section (scripts/bench/net.ts) */
  net?: NetResult | Unmeasured;
  /** the interactive section (scripts/bench/interactive.ts) */
  interactive?: InteractiveResult | Unmeasured;
  /** `--only pull|net|interactive`: the rounds, floors and phases did not run */
  only?: 'pull' | 'net' | 'interactive';
}

export function emptySamples(): Samples {
  return Object.fromEntries(Object.keys(MEASUREMENTS).map((k) => [k, []])) as unknown as Samples;
}

export function buildResults(
  o: Omit<Results, 'timestamp' | 'host' | 'summaries' | 'ratios'> & { loadavgAtStart: number[] },
): Results {
  const summaries: Partial<Record<Measurement, Summary>> = {};
  for (const k of Object.keys(MEASUREMENTS) as Measurement[]) {
    const s = summarize(o.samples[k]);
    if (s) summaries[k] = s;
  }
  const ratios: Record<string, Ratio> = {};
  for (const r of RATIOS) {
    const v = ratio(summaries[r.a], summaries[r.b]);
    if (v) ratios[r.key] = v;
  }
  const { loadavgAtStart, ...rest } = o;
  return {
    timestamp: new Date().toISOString(),
    host: {
      hostname: os.hostname(),
      kernel: os.release(),
      cpus: os.cpus().length,
      node: process.version,
      loadavg: { start: loadavgAtStart, end: os.loadavg() },
    },
    ...rest,
    summaries,
    ratios,
  };
}

/** bench-results/<timestamp>.json in the repository; returns the path. */
export async function writeResults(r: Results): Promise<string> {
  const dir = path.resolve(__dirname, '..', '..', 'bench-results');
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${r.timestamp.replace(/[:.]/g, '-')}.json`);
  await fs.writeFile(file, `${JSON.stringify(r, null, 2)}\n`);
  return file;
}

export function formatReport(r: Results): string {
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const x = (v: number) => `${v.toFixed(2)}×`;
  const lines: string[] = [];
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  lines.push(
    `host: ${r.host.cpus} CPUs, Linux ${r.host.kernel}, Node ${r.host.node}; load average ${load(r.host.loadavg.start)} at the start, ${load(r.host.loadavg.end)} at the end`,
  );
  lines.push(
    r.only
      ? `driver: ${r.driver.kind} (${r.driver.reason}); only the ${r.only} section (--only ${r.only})`
      : `driver: ${r.driver.kind} (${r.driver.reason}); n = ${r.n} per measurement, alternating, bridge networking, busybox sleep 1000`,
  );
  const v = r.docker.version as { server?: string; storageDriver?: string } | undefined;
  lines.push(
    r.docker.measured
      ? `docker: dockerd ${v?.server ?? '?'} (${v?.storageDriver ?? '?'}), private roots, own netns and containerd`
      : `docker: not measured: ${r.docker.reason}`,
  );
  lines.push(
    r.api.measured
      ? `container-saga Engine API: ${r.api.entry} on a unix socket; its containers created by ${r.api.createdBy}${r.api.reason ? `; ${r.api.reason}` : ''}`
      : `container-saga Engine API: not measured: ${r.api.reason}`,
  );
  if (r.floors) {
    const part = (p: Part) => (p.measured ? 'measured' : `not measured: ${p.reason}`);
    lines.push(
      `floors: the bare tools in a small child process (${part(r.floors.driver)}); Temporal alone, no-op workflows on a worker of their own (${part(r.floors.temporal)})`,
    );
  }
  if (r.only) {
    lines.push(...formatSections(r));
    return `${lines.join('\n')}\n`;
  }
  lines.push('');
  const rows = (Object.keys(MEASUREMENTS) as Measurement[]).flatMap((k) => {
    const s = r.summaries[k];
    return s ? [[MEASUREMENTS[k], String(s.n), ms(s.p50), ms(s.p90), ms(s.mean)]] : [];
  });
  lines.push(formatTable(['measurement', 'n', 'p50', 'p90', 'mean'], rows).trimEnd());
  lines.push('');
  const ratioRows = RATIOS.flatMap((d) => {
    const q = r.ratios[d.key];
    return q ? [[d.label, x(q.p50), x(q.p90), x(q.mean)]] : [];
  });
  lines.push(formatTable(['ratio', 'p50', 'p90', 'mean'], ratioRows).trimEnd());
  lines.push(...formatSections(r));
  return `${lines.join('\n')}\n`;
}
