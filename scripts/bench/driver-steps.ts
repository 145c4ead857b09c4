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
import { fork, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { daemonEnv } from '../../common/env';
import { summarize } from './stats';

type LinuxRuntimeModule = typeof import('../../runtime/linux/driver');
type LinuxRuntime = import('../../runtime/linux/driver').LinuxRuntime;

const N = Number(process.env.DRIVER_STEPS_N || 20);
const WARM_UP = 2;
const CMD = ['sleep', '1000'];
const RSS_MB = Number(process.env.DRIVER_STEPS_RSS_MB ?? 300);
const HERE = path.resolve(__dirname, '../..');

type Samples = Map<string, number[]>;

function add(s: Samples, name: string, ms: number): void {
  const list = s.get(name) ?? [];
  list.push(ms);
  s.set(name, list);
}

async function timed<T>(s: Samples | undefined, name: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await f();
  if (s) add(s, name, performance.now() - t0);
  return out;
}

function specReq(id: string, hostname: string, env: string[]) {
  return { id, env: daemonEnv({ hostname, tty: false, linkedEnv: [], userEnv: env }), extraHosts: [] };
}

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

interface Driver {
  label: string;
  rt: LinuxRuntime;
  hostNetns: string;
  close(): Promise<void>;
}

async function openDriver(dir: string, label: string, n: number): Promise<Driver> {
  const mod = (await import(path.join(dir, 'runtime/linux/driver.ts'))) as LinuxRuntimeModule;
  const mounts = (await import(path.join(dir, 'runtime/linux/mounts.ts'))) as typeof import('../../runtime/linux/mounts');
  const netns = (await import(path.join(dir, 'runtime/linux/netns.ts'))) as typeof import('../../runtime/linux/netns');
  const net = { hostNetns: `cs-dsteps-host${n}`, bridge: `csd${n}`, subnet: `10.${120 + n}.0.0/16` };
  const root = await fs.mkdtemp(path.join(os.tmpdir(), `cs-dsteps-${n}-`));
  const rt = new mod.LinuxRuntime(root, net);
  await rt.importImage('busybox', 'busybox-static');
  return {
    label,
    rt,
    hostNetns: net.hostNetns,
    async close() {
      for (const c of await rt.list().catch(() => [])) await rt.remove(c.Id, true).catch(() => undefined);
      const held = await rt.heldResources().catch(() => []);
      if (held.length > 0) console.error(`${label}: still held: ${JSON.stringify(held)}`);
      await mounts.releaseStateRoot(rt.root).catch(() => undefined);
      await netns.deleteNetns(net.hostNetns).catch(() => undefined);
      if (held.length === 0) await fs.rm(root, { recursive: true, force: true });
    },
  };
}

// --- the floors, in a small child process ----------------------------------------------------------------------

function runDetachedRunc(file: string, args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    // stdio to /dev/null: the detached container keeps whatever it inherits open
    const child = spawn(file, args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
}

async function floorRound(rt: LinuxRuntime, work: string, round: number, s: Samples): Promise<void> {
  const { run, runChecked } = await import('../../runtime/linux/exec');
  const { bridgeConfig, CNI_IFNAME } = await import('../../runtime/linux/cni');
  const { netnsPath } = await import('../../runtime/linux/layout');
  const { deleteNetns, ensureNetns } = await import('../../runtime/linux/netns');
  const { cniPath, tool } = await import('../../runtime/linux/tools');
  await ensureNetns(rt.network.hostNetns, { reassertLo: false }); // the bridge's namespace (made once)
  // netns: `ip netns add` then lo up (two processes: what iproute2 users do)
  const ns = `cs-dsteps-f${round}`;
  await deleteNetns(ns);
  await timed(s, 'floor: ip netns add + lo up', async () => {
    await runChecked('netns add', tool('ip'), ['netns', 'add', ns]);
    await runChecked('lo up', tool('ip'), ['-n', ns, 'link', 'set', 'lo', 'up']);
  });
  // CNI ADD alone into that netns: one nsenter + bridge (+ host-local), as the driver runs it
  const cid = `floor${round}`.padEnd(64, '0');
  const net = rt.network;
  const env = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', CNI_CONTAINERID: cid, CNI_NETNS: netnsPath(ns), CNI_IFNAME, CNI_PATH: cniPath() };
  const cni = (command: string, config: unknown) =>
    run(tool('nsenter'), [`--net=${netnsPath(net.hostNetns)}`, path.join(cniPath(), 'bridge')], { input: JSON.stringify(config), env: { ...env, CNI_COMMAND: command } });
  try {
    const added = await timed(s, 'floor: CNI ADD (nsenter + bridge)', () => cni('ADD', bridgeConfig(net)));
    if (added.code !== 0) throw new Error(`floor CNI ADD: ${added.stdout}${added.stderr}`);
    await cni('DEL', bridgeConfig(net, JSON.parse(added.stdout)));
  } finally {
    await deleteNetns(ns);
  }
  // overlay mount alone
  const o = path.join(work, `ov${round}`);
  await Promise.all(['upper', 'work', 'mnt'].map((d) => fs.mkdir(path.join(o, d), { recursive: true })));
  const lower = rt.layout.imageRootfs('busybox');
  await timed(s, 'floor: mount -t overlay', () => runChecked('overlay', tool('mount'), ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${o}/upper,workdir=${o}/work`, `${o}/mnt`]));
  await runChecked('umount', tool('umount'), [`${o}/mnt`]);
  // runc run -d of a bundle the driver wrote (rootfs, network, ipc, spec done by the driver, untimed)
  const rec = await rt.create({ image: 'busybox', cmd: CMD });
  try {
    await Promise.all([rt.acquire('mount-rootfs', { id: rec.Id }), rt.acquire('network', { id: rec.Id }), rt.acquire('ipc', { id: rec.Id })]);
    await rt.acquire('spec', specReq(rec.Id, rec.Config.Hostname, rec.Config.Env));
    const runcRoot = path.join(work, 'runc');
    const bundle = rt.layout.bundle(rec.Id);
    const code = await timed(s, 'floor: runc run -d', () => runDetachedRunc(tool('runc'), ['--root', runcRoot, 'run', '-d', '--bundle', bundle, '--pid-file', path.join(work, 'pid'), rec.Id]));
    if (code !== 0) throw new Error(`floor runc run -d: exit status ${code}`);
    await run(tool('runc'), ['--root', runcRoot, 'delete', '--force', rec.Id]);
  } finally {
    await rt.remove(rec.Id, true);
  }
}

/** The child: one round of floors per message, its samples sent back. */
async function floorChild(): Promise<void> {
  const d = await openDriver(HERE, 'floors', 9);
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-dsteps-work-'));
  process.on('message', (m: { round: number } | 'close') => {
    void (async () => {
      if (m === 'close') {
        await d.close();
        await fs.rm(work, { recursive: true, force: true });
        process.send!({ closed: true });
        return;
      }
      const s: Samples = new Map();
      try {
        await floorRound(d.rt, work, m.round, s);
        process.send!({ samples: [...s] });
      } catch (err) {
        process.send!({ error: err instanceof Error ? err.stack : String(err) });
      }
    })();
  });
  process.send!({ ready: true });
}

class FloorClient {
  private readonly child = fork(__filename, [], { env: { ...process.env, DRIVER_STEPS_CHILD: '1' } });
  private next(): Promise<{ ready?: true; samples?: Array<[string, number[]]>; error?: string; closed?: true }> {
    return new Promise((resolve, reject) => {
      const exited = (code: number | null) => reject(new Error(`floor child exited (${code})`));
      this.child.once('exit', exited);
      this.child.once('message', (m) => {
        this.child.off('exit', exited);
        resolve(m as never);
      });
    });
  }
  ready() {
    return this.next();
  }
  async round(round: number, into: Samples | undefined): Promise<void> {
    this.child.send({ round });
    const m = await this.next();
    if (m.error) throw new Error(`floor round: ${m.error}`);
    if (into) for (const [k, v] of m.samples!) for (const ms of v) add(into, k, ms);
  }
  async close(): Promise<void> {
    this.child.send('close');
    await this.next().catch(() => undefined);
    this.child.disconnect();
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('needs root');
  if (process.env.DRIVER_STEPS_CHILD) return floorChild();
  const floors = new FloorClient();
  await floors.ready();
  const drivers: Driver[] = [];
  const s: Samples = new Map();
  try {
    drivers.push(await openDriver(path.resolve(process.env.DRIVER_STEPS_THIS || HERE), process.env.DRIVER_STEPS_BASE ? 'this: ' : '', 0));
    if (process.env.DRIVER_STEPS_BASE) drivers.push(await openDriver(path.resolve(process.env.DRIVER_STEPS_BASE), 'base: ', 1));
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
  report(s, drivers.map((d) => d.label));
}

/** One row per figure, a p50/p90 column pair per driver; the floors below. */
function report(s: Samples, labels: string[]): void {
  const names = [...s.keys()].filter((k) => k.startsWith(labels[0]!) && !k.startsWith('floor')).map((k) => k.slice(labels[0]!.length));
  const floors = [...s.keys()].filter((k) => k.startsWith('floor'));
  const width = Math.max(...[...names, ...floors].map((k) => k.length));
  const cell = (ms: number[] | undefined) => {
    const sum = summarize(ms ?? []);
    return sum ? `${sum.p50.toFixed(1).padStart(7)} ${sum.p90.toFixed(1).padStart(7)}` : ''.padStart(15);
  };
  console.log(`n=${N} rounds, ${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, driver process RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
  console.log(`${''.padEnd(width)}  ${labels.map((l) => `${(l.replace(': ', '') || 'driver').padStart(7)}     p90`).join('  ')}`);
  for (const n of names) console.log(`${n.padEnd(width)}  ${labels.map((l) => cell(s.get(l + n))).join('  ')}`);
  for (const f of floors) console.log(`${f.padEnd(width)}  ${cell(s.get(f))}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
