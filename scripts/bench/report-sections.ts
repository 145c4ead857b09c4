import { formatTable } from '../../client/output';
import type { IdleCpu, Sizes } from './memory';
import type { Results, Unmeasured } from './report';
import { formatPull, pullRatio } from './pull-report';
import { formatNet, netRatio } from './net-report';
import { formatInteractive } from './interactive-report';
import type { SideResult } from './throughput';

/**
 * The report's sections after the latency tables: throughput, compensation, events, memory, one start's timeline, the
 * targets.
 */
export function formatSections(r: Results): string[] {
  const lines: string[] = [];
  const section = (title: string, body: string[]) => lines.push('', title, ...body);
  if (r.workerTuning) section('in-process workers (saga, throughput, compensation)', [`  ${r.workerTuning}`]);
  if (r.cpu?.sagaStart)
    section('CPU time per start (mean; child processes such as runc and the CNI plugins not counted)', cpu(r));
  if (r.throughput)
    section(
      'throughput: n containers created beforehand, started with k in flight (client-observed latency per start)',
      throughput(r.throughput),
    );
  if (r.compensation)
    section(
      'compensation: the process step fails after runc started it (process=fail-after); the saga undoes everything',
      compensation(r.compensation),
    );
  if (r.startEvents?.length) {
    const c = r.compensation && !('reason' in r.compensation) ? r.compensation.events : [];
    section('history events', [
      `  successful start: ${range(r.startEvents)}${c.length ? `; compensated start: ${range(c)}` : ''}`,
    ]);
  }
  if (r.memory)
    section(
      'memory, MB: RSS (groups of processes: their count, and PSS, which shares their common pages out)',
      memory(r.memory),
    );
  const idleCpu =
    r.memory && !('reason' in r.memory) && r.memory.idle.cpu && r.memory.busy.cpu
      ? { idle: r.memory.idle.cpu, busy: r.memory.busy.cpu, running: r.memory.running }
      : undefined;
  if (idleCpu)
    section(
      "CPU while idle, ms per second over 10 s (the memory figures' processes; ours mostly the monitor's wait and its heartbeats, per running container)",
      cpuIdle(idleCpu),
    );
  if (r.timeline)
    section(
      `one start's history (the median one: ${ms(r.timeline.clientMs)} client-observed, ${ms(r.timeline.serverMs)} from started to completed, ${r.timeline.events} events)`,
      timeline(r.timeline.spans),
    );
  if (r.pull)
    section(
      'pull: the same docker CLI against each engine, one private registry on loopback (layers gzip, random bytes)',
      formatPull(r.pull),
    );
  if (r.net)
    section(
      'networking: the same docker CLI against each engine; the port polled with curl where it is published',
      formatNet(r.net),
    );
  if (r.interactive)
    section(
      'interactive: the same docker CLI against each engine, on a pty of its own (scripts/bench/pty-probe.py)',
      formatInteractive(r.interactive),
    );
  section('targets', targets(r));
  return lines;
}

const ms = (x: number) => `${x.toFixed(1)} ms`;
const mb = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(1));
const indent = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`);
const range = (xs: readonly number[]) =>
  Math.min(...xs) === Math.max(...xs) ? String(xs[0]) : `${Math.min(...xs)}-${Math.max(...xs)}`;
const notMeasured = (u: Unmeasured) => [`  not measured: ${u.reason}`];

function throughput(t: NonNullable<Results['throughput']>): string[] {
  if ('reason' in t) return notMeasured(t);
  const sides: SideResult[] = [...t.sides, ...(t.simulated ? [t.simulated] : [])];
  const rows = sides.flatMap((s) =>
    s.levels.map((l) => [
      s.name,
      String(l.inFlight),
      String(l.n),
      l.startsPerSecond.toFixed(1),
      ms(l.latency.p50),
      ms(l.latency.p95),
      ms(l.latency.p99),
    ]),
  );
  const out = indent(formatTable(['', 'in flight', 'n', 'starts/s', 'p50', 'p95', 'p99'], rows));
  const most = Math.max(...t.levels);
  if (t.ratioAtMost !== undefined)
    out.push(
      `  starts/s at ${most} in flight, ${t.sides[0]!.name} / ${t.sides[1]!.name}: ${t.ratioAtMost.toFixed(2)}×`,
    );
  for (const s of sides) if (s.reason) out.push(`  ${s.name}: ${s.reason}`);
  return out;
}

function cpu(r: Results): string[] {
  const { sagaStart: saga, driverStart: driver } = r.cpu!;
  const rows = [["saga start: bench process (in-process worker, client, the driver's Node side)", ms(saga!.self)]];
  if (Number.isFinite(saga!.server)) rows.push(['saga start: Temporal dev server', ms(saga!.server)]);
  if (driver) rows.push(['driver start without Temporal: bench process', ms(driver.self)]);
  const total = saga!.self + (Number.isFinite(saga!.server) ? saga!.server : 0);
  return [
    ...indent(formatTable(['', 'CPU'], rows)),
    `  a saga start costs ${ms(total)} of CPU in these processes: at most ${((r.host.cpus * 1000) / total).toFixed(1)} starts/s on ${r.host.cpus} CPUs, whatever the concurrency`,
  ];
}

function compensation(c: NonNullable<Results['compensation']>): string[] {
  if ('reason' in c) return notMeasured(c);
  const row = (what: string, p: { p50: number; p95: number; max: number }) => [what, ms(p.p50), ms(p.p95), ms(p.max)];
  return [
    ...indent(
      formatTable(
        ['', 'p50', 'p95', 'max'],
        [
          row("process step failed → every release done (worker's clock)", c.releasesDone),
          ...(c.releasesDoneHistory
            ? [row('the same from the history (release activities)', c.releasesDoneHistory)]
            : []),
          row('process step failed → the failed start at the client', c.closed),
          row('the failed start, client-observed', c.clientObserved),
        ],
      ),
    ),
    `  n = ${c.n}; releases, in the last start's history (local: a local activity's marker): ${c.releases.join(', ')}`,
  ];
}

function memory(m: NonNullable<Results['memory']>): string[] {
  if ('reason' in m) return notMeasured(m);
  const { idle, busy } = m;
  const group = (s: Sizes | undefined) => (s ? `${mb(s.mb)} (${s.count}; PSS ${mb(s.pssMb)})` : '-');
  const rows: string[][] = [
    ['container-saga worker', mb(idle.worker.mb), mb(busy.worker.mb)],
    ['ours per container: sh shim, runc run, runc events (processes; PSS)', group(idle.shims), group(busy.shims)],
  ];
  if (idle.dockerd && busy.dockerd) {
    rows.push(
      ['dockerd', mb(idle.dockerd.mb), mb(busy.dockerd.mb)],
      ['containerd', mb(idle.containerd?.mb), mb(busy.containerd?.mb)],
      [
        'dockerd + containerd',
        mb(idle.dockerd.mb + (idle.containerd?.mb ?? 0)),
        mb(busy.dockerd.mb + (busy.containerd?.mb ?? 0)),
      ],
      [
        "Docker's per container: containerd-shim-runc-v2 (processes; PSS)",
        group(idle.dockerShims),
        group(busy.dockerShims),
      ],
    );
  }
  if (idle.temporal) rows.push(['Temporal dev server (in-memory SQLite)', mb(idle.temporal.mb), mb(busy.temporal?.mb)]);
  return [
    ...indent(formatTable(['', 'idle', `${m.running} running`], rows)),
    `  worker: ${m.worker.entry}`,
    ...m.worker.banner.map((l) => `    ${l}`),
  ];
}

function cpuIdle(c: { idle: IdleCpu; busy: IdleCpu; running: number }): string[] {
  const f = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(1));
  const rows: string[][] = [
    ['container-saga worker', f(c.idle.worker), f(c.busy.worker)],
    ['ours per container: sh shim, runc run, runc events', f(c.idle.shims), f(c.busy.shims)],
  ];
  if (c.idle.dockerd !== undefined && c.busy.dockerd !== undefined) {
    const both = (s: IdleCpu) => (s.dockerd ?? 0) + (s.containerd ?? 0);
    rows.push(
      ['dockerd + containerd', f(both(c.idle)), f(both(c.busy))],
      ["Docker's per container: containerd-shim-runc-v2", f(c.idle.dockerShims), f(c.busy.dockerShims)],
    );
  }
  if (c.idle.temporal !== undefined) rows.push(['Temporal dev server', f(c.idle.temporal), f(c.busy.temporal)]);
  return indent(formatTable(['', 'idle', `${c.running} running`], rows));
}

function timeline(spans: NonNullable<Results['timeline']>['spans']): string[] {
  const rows = spans.map((s) => [
    s.from.toFixed(1),
    s.to.toFixed(1),
    (s.to - s.from).toFixed(1),
    s.queued === undefined ? '' : s.queued.toFixed(1),
    s.what,
  ]);
  return indent(formatTable(['from ms', 'to ms', 'took', 'of which queued', 'span'], rows));
}

/** The targets, each with this run's figure and whether it is met (or why it cannot be said). */
function targets(r: Results): string[] {
  const out: string[] = [];
  const check = (what: string, value: number | undefined, limit: number, fmt: (x: number) => string, atMost = true) => {
    if (value === undefined) return out.push(`  ?    ${what}: not measured in this run`);
    const met = atMost ? value <= limit : value >= limit;
    return out.push(`  ${met ? 'met ' : 'NOT '} ${what}: ${fmt(value)} (target ${atMost ? '≤' : '≥'} ${fmt(limit)})`);
  };
  const x = (v: number) => `${v.toFixed(2)}×`;
  if (r.pull) check('docker pull of the ≥ 100 MB image, ours / dockerd, p50', pullRatio(r.pull), 1, x);
  if (r.net) {
    check('`docker start` on a user-defined network, ours / dockerd, p50', netRatio(r.net, 'userNetwork'), 0.5, x);
    check('`docker start` with a published port, ours / dockerd, p50', netRatio(r.net, 'published'), 0.5, x);
  }
  if (r.only) return out;
  const s = r.summaries;
  check('saga start p50 / dockerd Engine API start p50', r.ratios.sagaOverDockerApiStart?.p50, 0.5, x);
  check('`docker start` through our API / against dockerd, p50', r.ratios.oursOverDockerCliStart?.p50, 0.5, x);
  check(
    'driver steps p50 / floor p50 (netns + CNI ADD + runc run -d, timed in this run)',
    r.ratios.driverOverFloor?.p50,
    1.5,
    x,
  );
  const overhead = s.sagaStart && s.driverStart ? s.sagaStart.p50 - s.driverStart.p50 : undefined;
  check('orchestration: saga p50 − driver p50', overhead, 25, ms);
  if (s.temporalEmpty && s.temporalShape) {
    out.push(
      `       (Temporal alone in this run: an empty workflow ${ms(s.temporalEmpty.p50)}, a start's 7 local activities as no-ops ${ms(s.temporalShape.p50)} p50)`,
    );
  }
  const t = r.throughput && !('reason' in r.throughput) ? r.throughput : undefined;
  check(`starts/s at ${t ? Math.max(...t.levels) : 50} in flight, saga / dockerd`, t?.ratioAtMost, 2, x, false);
  const sim = t?.simulated?.levels.find((l) => l.inFlight === Math.max(...t.levels));
  check('simulated driver, starts/s at 50 in flight', sim?.startsPerSecond, 100, (v) => `${v.toFixed(1)}/s`, false);
  const c = r.compensation && !('reason' in r.compensation) ? r.compensation : undefined;
  check('compensation, process step failed → every release done, p50', c?.releasesDone.p50, 100, ms);
  const m = r.memory && !('reason' in r.memory) ? r.memory : undefined;
  const mbs = (v: number) => `${v.toFixed(1)} MB`;
  check('worker RSS idle', m?.idle.worker.mb, 150, mbs);
  check(`worker RSS with ${m?.running ?? 50} running`, m?.busy.worker.mb, 150, mbs);
  check(
    'history events per successful start (most)',
    r.startEvents?.length ? Math.max(...r.startEvents) : undefined,
    40,
    String,
  );
  return out;
}
