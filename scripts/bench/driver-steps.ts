/**
 * Where the Linux driver's time goes in a start, step by step, next to the bare floor of each (root only):
 *
 *   npx tsx scripts/bench/driver-steps.ts
 *
 * Each round creates a busybox container (bridge networking, `sleep 1000`; not timed) and runs the bench's
 * driverStart shape — lookup; mount-rootfs, network, ipc, volumes at once; spec; process; markRunning — timing
 * every call on its own and the whole; then the same steps one at a time on a second container (no overlap,
 * so each figure is the step alone). The floors are timed in a small child process (a spawn costs what the
 * caller's page tables cost to fork, so a floor is taken from a small caller): `ip netns add` + lo up, a bare
 * CNI bridge ADD (one nsenter + plugin), `mount -t overlay`, and `runc run -d` of a bundle the driver wrote.
 *
 * Environment:
 *   DRIVER_STEPS_N       rounds after 2 warm-ups (default 20)
 *   DRIVER_STEPS_RSS_MB  resident size the driver's process is grown to first (default 300, a worker under the
 *                        TypeScript loader; 0: as small as it comes)
 *   DRIVER_STEPS_BASE    another checkout (e.g. a worktree of main): its driver is measured too, round by round
 *                        alternating with this one, so both see the same load
 *   DRIVER_STEPS_THIS    the checkout measured as "this" (default: the one this script is in)
 * Every driver runs in a state root, host-side netns, bridge and subnet of its own, all removed at the end.
 */
import os from 'node:os';
import path from 'node:path';
import {
  add,
  DriverFloor,
  openDriver,
  specReq,
  timed,
  type Driver,
  type LinuxRuntime,
  type Samples,
} from './floor/driver';
import { summarize } from './stats';

const N = Number(process.env.DRIVER_STEPS_N || 20);
const WARM_UP = 2;
const CMD = ['sleep', '1000'];
const RSS_MB = Number(process.env.DRIVER_STEPS_RSS_MB ?? 300);
const HERE = path.resolve(__dirname, '../..');

/** The bench's driverStart, each call timed. */
async function shaped(rt: LinuxRuntime, id: string, s: Samples | undefined, p: string): Promise<void> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const rec = await timed(s, `${p}lookup`, () => rt.lookup(id));
  await timed(s, `${p}prepare (4 at once)`, () =>
    Promise.all([
      timed(s, `${p}  mount-rootfs`, () => rt.acquire('mount-rootfs', { id })),
      timed(s, `${p}  network`, () => rt.acquire('network', { id })),
      timed(s, `${p}  ipc`, () => rt.acquire('ipc', { id })),
      timed(s, `${p}  volumes`, () => rt.acquire('volumes', { id })),
    ]),
  );
  await timed(s, `${p}spec`, () => rt.acquire('spec', specReq(id, rec.Config.Hostname, rec.Config.Env)));
  const { pid } = await timed(s, `${p}process`, () => rt.acquire('process', { id }));
  await timed(s, `${p}markRunning`, () => rt.markRunning(id, pid));
  if (s) add(s, `${p}driverStart total`, performance.now() - t0);
  // the driver process's own CPU (user + system) over the start: what a start costs the worker beside its
  // tools (with 50 starts at once on 2 cores, it is time the others wait)
  const cpu = process.cpuUsage(cpu0);
  if (s) add(s, `${p}(worker CPU over the start)`, (cpu.user + cpu.system) / 1000);
}

/** The same steps one after the other: each figure is the step alone. */
async function sequential(rt: LinuxRuntime, id: string, s: Samples | undefined, p: string): Promise<void> {
  const rec = await rt.lookup(id);
  await timed(s, `${p}alone: mount-rootfs`, () => rt.acquire('mount-rootfs', { id }));
  await timed(s, `${p}alone: network`, () => rt.acquire('network', { id }));
  await timed(s, `${p}alone: ipc`, () => rt.acquire('ipc', { id }));
  await timed(s, `${p}alone: volumes`, () => rt.acquire('volumes', { id }));
  await timed(s, `${p}alone: spec`, () => rt.acquire('spec', specReq(id, rec.Config.Hostname, rec.Config.Env)));
  const { pid } = await timed(s, `${p}alone: process`, () => rt.acquire('process', { id }));
  await timed(s, `${p}alone: markRunning`, () => rt.markRunning(id, pid));
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('needs root');
  const floors = new DriverFloor();
  await floors.ready();
  const drivers: Driver[] = [];
  const s: Samples = new Map();
  try {
    drivers.push(
      await openDriver(
        path.resolve(process.env.DRIVER_STEPS_THIS || HERE),
        process.env.DRIVER_STEPS_BASE ? 'this: ' : '',
        0,
      ),
    );
    if (process.env.DRIVER_STEPS_BASE)
      drivers.push(await openDriver(path.resolve(process.env.DRIVER_STEPS_BASE), 'base: ', 1));
    const ballast: Buffer[] = [];
    while (process.memoryUsage().rss < RSS_MB * 1e6) ballast.push(Buffer.alloc(4 << 20, 1)); // touched: resident
    for (let i = 0; i < WARM_UP + N; i++) {
      const into = i < WARM_UP ? undefined : s;
      // this, base, then base, this: neither side always goes first
      const order = i % 2 === 0 ? drivers : [...drivers].reverse();
      for (const d of order) {
        const a = await d.rt.create({ image: 'busybox', cmd: CMD });
        await shaped(d.rt, a.Id, into, d.label);
        await timed(into, `${d.label}(remove -f, not in the start)`, () => d.rt.remove(a.Id, true));
      }
      for (const d of order) {
        const b = await d.rt.create({ image: 'busybox', cmd: CMD });
        await sequential(d.rt, b.Id, into, d.label);
        await d.rt.remove(b.Id, true);
      }
      await floors.round(i, into);
    }
  } finally {
    for (const d of drivers) await d.close();
    await floors.close();
  }
  report(
    s,
    drivers.map((d) => d.label),
  );
}

/** One row per figure, a p50/p90 column pair per driver; the floors below. */
function report(s: Samples, labels: string[]): void {
  const names = [...s.keys()]
    .filter((k) => k.startsWith(labels[0]!) && !k.startsWith('floor'))
    .map((k) => k.slice(labels[0]!.length));
  const floors = [...s.keys()].filter((k) => k.startsWith('floor'));
  const width = Math.max(...[...names, ...floors].map((k) => k.length));
  const cell = (ms: number[] | undefined) => {
    const sum = summarize(ms ?? []);
    return sum ? `${sum.p50.toFixed(1).padStart(7)} ${sum.p90.toFixed(1).padStart(7)}` : ''.padStart(15);
  };
  console.log(
    `n=${N} rounds, ${os.cpus().length} CPUs, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, driver process RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`,
  );
  console.log(
    `${''.padEnd(width)}  ${labels.map((l) => `${(l.replace(': ', '') || 'driver').padStart(7)}     p90`).join('  ')}`,
  );
  for (const n of names) console.log(`${n.padEnd(width)}  ${labels.map((l) => cell(s.get(l + n))).join('  ')}`);
  for (const f of floors) console.log(`${f.padEnd(width)}  ${cell(s.get(f))}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
