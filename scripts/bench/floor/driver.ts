import { fork, spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { daemonEnv } from '../../../common/env';
import { getConfig } from '../../../config';

/**
 * The Linux driver's floor: what the bare tools take for a start, with no records, no checks and no adoption
 * of earlier attempts: `ip netns add` + lo up, a CNI bridge ADD (one nsenter + the plugin, which runs
 * host-local), `mount -t overlay`, and `runc run -d` of a bundle the driver wrote (untimed). Its total
 * is netns + CNI ADD + runc run -d, one after the other. Timed in a small child process of its own: a spawn
 * costs what the caller's page tables cost to fork, so the floor is taken from a small caller. The child's
 * driver has a state root, host-side netns, bridge and subnet of its own, removed when it closes.
 */

export type LinuxRuntime = import('../../../runtime/linux-runtime').LinuxRuntime;
type NetOptions = import('../../../runtime/drivers/linux/driver').LinuxDriverOptions;

export type Samples = Map<string, number[]>;

/** The targets' floor, per round: the three timed parts below added up. */
export const FLOOR_TOTAL = 'floor: netns + lo up, CNI ADD, runc run -d';
const FLOOR_NETNS = 'floor: ip netns add + lo up';
const FLOOR_CNI = 'floor: CNI ADD (nsenter + bridge)';
const FLOOR_OVERLAY = 'floor: mount -t overlay';
const FLOOR_RUNC = 'floor: runc run -d';

const CMD = ['sleep', '1000'];
const HERE = path.resolve(__dirname, '../../..');

export function add(s: Samples, name: string, ms: number): void {
  const list = s.get(name) ?? [];
  list.push(ms);
  s.set(name, list);
}

export async function timed<T>(s: Samples | undefined, name: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await f();
  if (s) add(s, name, performance.now() - t0);
  return out;
}

/** The spec request of a start: the environment the saga computes (no links, no extra hosts). */
export function specReq(id: string, hostname: string, env: string[]) {
  return { id, env: daemonEnv({ hostname, tty: false, linkedEnv: [], userEnv: env }), extraHosts: [] };
}

export interface Driver {
  label: string;
  rt: LinuxRuntime;
  hostNetns: string;
  close(): Promise<void>;
}

/** Where the checkout at `dir` keeps the Linux driver: a base checkout may predate runtime/drivers/. */
function linuxDriverDir(dir: string): string {
  const drivers = path.join(dir, 'runtime/drivers/linux');
  return existsSync(drivers) ? drivers : path.join(dir, 'runtime/linux');
}

/**
 * The checkout's runtime over its Linux driver; a base checkout before runtime/drivers/ kept it in the driver's module.
 */
async function linuxRuntime(dir: string, root: string, net: NetOptions): Promise<LinuxRuntime> {
  const current = path.join(dir, 'runtime/linux-runtime.ts');
  if (existsSync(current)) {
    const mod = (await import(current)) as typeof import('../../../runtime/linux-runtime');
    return new mod.LinuxRuntime(root, { host: getConfig().host }, net);
  }
  const mod = (await import(path.join(dir, 'runtime/linux/driver.ts'))) as {
    LinuxRuntime: new (root: string, net: NetOptions) => LinuxRuntime;
  };
  return new mod.LinuxRuntime(root, net);
}

/**
 * The Linux driver of the checkout at `dir`, in a state root, host-side netns (cs-dsteps-host<n>), bridge and
 * subnet of its own, with busybox imported; close() removes its containers and all of that.
 */
export async function openDriver(dir: string, label: string, n: number): Promise<Driver> {
  const linux = linuxDriverDir(dir);
  const mounts = (await import(
    path.join(linux, 'mounts.ts')
  )) as typeof import('../../../runtime/drivers/linux/mounts');
  const netns = (await import(path.join(linux, 'netns.ts'))) as typeof import('../../../runtime/drivers/linux/netns');
  const net = {
    hostNetns: `cs-dsteps-host${n}`,
    bridge: `csd${n}`,
    subnet: `10.${120 + n}.0.0/16`,
    uplinkSubnet: `10.198.${120 + n}.0/30`,
  };
  // a base checkout from before the uplink has none to release
  const uplinkFile = path.join(linux, 'uplink.ts');
  const uplink = existsSync(uplinkFile)
    ? ((await import(uplinkFile)) as typeof import('../../../runtime/drivers/linux/uplink'))
    : undefined;
  const root = await fs.mkdtemp(path.join(os.tmpdir(), `cs-dsteps-${n}-`));
  const rt = await linuxRuntime(dir, root, net);
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
      await uplink?.releaseUplink(net.hostNetns).catch(() => undefined);
      if (held.length === 0) await fs.rm(root, { recursive: true, force: true });
    },
  };
}

function runDetachedRunc(file: string, args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    // stdio to /dev/null: the detached container keeps whatever it inherits open
    const child = spawn(file, args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
}

async function floorRound(rt: LinuxRuntime, work: string, round: number, s: Samples): Promise<void> {
  const { run, runChecked } = await import('../../../runtime/drivers/linux/exec');
  const { bridgeConfig, CNI_IFNAME } = await import('../../../runtime/drivers/linux/cni');
  const { netnsPath } = await import('../../../runtime/drivers/layout');
  const { deleteNetns, ensureNetns } = await import('../../../runtime/drivers/linux/netns');
  const { cniPath, tool } = await import('../../../runtime/drivers/linux/tools');
  const parts = new Map<string, number[]>();
  await ensureNetns(rt.network.hostNetns, { reassertLo: false }); // the bridge's namespace (made once)
  // netns: `ip netns add` then lo up (two processes: what iproute2 users do)
  const ns = `cs-dsteps-f${round}`;
  await deleteNetns(ns);
  await timed(parts, FLOOR_NETNS, async () => {
    await runChecked('netns add', tool('ip'), ['netns', 'add', ns]);
    await runChecked('lo up', tool('ip'), ['-n', ns, 'link', 'set', 'lo', 'up']);
  });
  // CNI ADD alone into that netns: one nsenter + bridge (+ host-local), as the driver runs it
  const cid = `floor${round}`.padEnd(64, '0');
  const net = rt.network;
  const env = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_CONTAINERID: cid,
    CNI_NETNS: netnsPath(ns),
    CNI_IFNAME,
    CNI_PATH: cniPath(),
  };
  const cni = (command: string, config: unknown) =>
    run(tool('nsenter'), [`--net=${netnsPath(net.hostNetns)}`, path.join(cniPath(), 'bridge')], {
      input: JSON.stringify(config),
      env: { ...env, CNI_COMMAND: command },
    });
  try {
    const added = await timed(parts, FLOOR_CNI, () => cni('ADD', bridgeConfig(net)));
    if (added.code !== 0) throw new Error(`floor CNI ADD: ${added.stdout}${added.stderr}`);
    await cni('DEL', bridgeConfig(net, JSON.parse(added.stdout)));
  } finally {
    await deleteNetns(ns);
  }
  // overlay mount alone
  const o = path.join(work, `ov${round}`);
  await Promise.all(['upper', 'work', 'mnt'].map((d) => fs.mkdir(path.join(o, d), { recursive: true })));
  const [lower] = (await rt.images.layerDirs(await rt.images.resolve('busybox'))).map((l) => l.dir);
  await timed(parts, FLOOR_OVERLAY, () =>
    runChecked('overlay', tool('mount'), [
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=${lower},upperdir=${o}/upper,workdir=${o}/work`,
      `${o}/mnt`,
    ]),
  );
  await runChecked('umount', tool('umount'), [`${o}/mnt`]);
  await fs.rm(o, { recursive: true, force: true });
  // runc run -d of a bundle the driver wrote (rootfs, network, ipc, spec done by the driver, untimed)
  const rec = await rt.create({ image: 'busybox', cmd: CMD });
  try {
    await Promise.all([
      rt.acquire('mount-rootfs', { id: rec.Id }),
      rt.acquire('network', { id: rec.Id }),
      rt.acquire('ipc', { id: rec.Id }),
    ]);
    await rt.acquire('spec', specReq(rec.Id, rec.Config.Hostname, rec.Config.Env));
    const runcRoot = path.join(work, 'runc');
    const bundle = rt.layout.bundle(rec.Id);
    const code = await timed(parts, FLOOR_RUNC, () =>
      runDetachedRunc(tool('runc'), [
        '--root',
        runcRoot,
        'run',
        '-d',
        '--bundle',
        bundle,
        '--pid-file',
        path.join(work, 'pid'),
        rec.Id,
      ]),
    );
    if (code !== 0) throw new Error(`floor runc run -d: exit status ${code}`);
    await run(tool('runc'), ['--root', runcRoot, 'delete', '--force', rec.Id]);
  } finally {
    await rt.remove(rec.Id, true);
  }
  for (const [k, v] of parts) add(s, k, v[0]!);
  add(s, FLOOR_TOTAL, parts.get(FLOOR_NETNS)![0]! + parts.get(FLOOR_CNI)![0]! + parts.get(FLOOR_RUNC)![0]!);
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

type ChildMessage = { ready?: true; samples?: Array<[string, number[]]>; error?: string; closed?: true };

/** The floor's child process (root only): ready() once its driver is open, then a round per call. */
export class DriverFloor {
  private readonly child = fork(__filename, [], { env: { ...process.env, CS_DRIVER_FLOOR_CHILD: '1' } });
  private next(): Promise<ChildMessage> {
    return new Promise((resolve, reject) => {
      const exited = (code: number | null) => reject(new Error(`floor child exited (${code})`));
      this.child.once('exit', exited);
      this.child.once('message', (m) => {
        this.child.off('exit', exited);
        resolve(m as ChildMessage);
      });
    });
  }
  async ready(): Promise<void> {
    const m = await this.next();
    if (!m.ready) throw new Error(`floor child: ${m.error ?? 'did not start'}`);
  }
  /** One round: netns, CNI ADD, overlay, runc run -d, each timed (and FLOOR_TOTAL); added to `into`. */
  async round(round: number, into: Samples | undefined): Promise<void> {
    this.child.send({ round });
    const m = await this.next();
    if (m.error) throw new Error(`floor round: ${m.error}`);
    if (into) for (const [k, v] of m.samples!) for (const ms of v) add(into, k, ms);
  }
  async close(): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return;
    this.child.send('close');
    await this.next().catch(() => undefined);
    this.child.disconnect();
  }
}

if (require.main === module && process.env.CS_DRIVER_FLOOR_CHILD) {
  floorChild().catch((err: unknown) => {
    console.error(err instanceof Error ? err.stack : String(err));
    process.exit(1);
  });
}
