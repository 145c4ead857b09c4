import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ContainerError } from '../../../common/errors';
import { isImageName } from '../../../common/input-check';
import type { HostInfo } from '../../../common/settings';
import { NO_NETWORK, type ImageInfo, type NetworkSettings } from '../../../common/types';
import type { HeldResource } from '../../contract';
import { endsByDefault } from '../../../common/signals';
import type { Driver, ExecContext, ExecOutcome, ExecPlan, NetnsPlan, ProcessProbe, SpecPlan, VolumeMount } from '../../driver';
import { execPaths, execsDir, isExecId } from '../../exec-layout';
import { exists, readJson, removeFile, writeJsonAtomic } from '../../fsutil';
import { toOciSeccomp } from '../../../common/seccomp';
import { seccompTarget } from '../../seccomp-target';
import { Layout, netnsName, netnsPath } from '../layout';
import { mkdirInRoot } from '../../rootfs-path';
import { StateStore } from '../../store';

/** A simulated process: frozen by pause, ended by a fatal signal (it has no handlers). */
interface SimProcess {
  pid: number;
  frozen?: boolean;
  exited?: { code: number; at: string };
}

/** The exit code of a command that ends at once (see the class comment); undefined for one that runs on. */
function exitsAt(args: readonly string[]): number | undefined {
  if (args.length === 1 && args[0] === 'true') return 0;
  if (args.length === 1 && args[0] === 'false') return 1;
  const m = args.length === 3 && args[0] === 'sh' && args[1] === '-c' ? /^exit (\d{1,3})$/.exec(args[2]!.trim()) : null;
  return m ? Number(m[1]) & 255 : undefined;
}

interface SimMount {
  kind: 'rootfs' | 'ipc' | 'volume';
  target: string;
  source: string;
  options: string;
}

/**
 * The simulated driver: the same contract as the Linux driver, without root. Side effects are records on
 * disk under <root>/sim (mounts, netns, IP allocations, processes), named as the Linux driver names them
 * (the same Layout), so leaks are checkable; the rootfs is a plain directory so working-dir rules are real.
 * Images are not needed: any image name is accepted. Its processes print nothing (a test may write their
 * log at layout.log(id), where it is read from) and run until stopped, except three commands that end at
 * once, as they would: `true` (0), `false` (1) and `sh -c "exit N"` (N) — enough to drive exits and
 * restart policies without root. A signal whose default action ends a process ends one (exit 128+N),
 * pause and unpause only mark it frozen. An exec is registered (its record under the container, as the
 * Linux driver's) and ends at once with no output: exit 0, or N for `sh -c "exit N"`, the one command it
 * interprets. Nothing runs, so nothing here can hang or leak a process.
 */
export class SimulatedDriver implements Driver {
  readonly kind = 'simulated' as const;
  readonly layout: Layout;
  private readonly sim: string;
  /** only for the per-container lock that orders this driver's own mount records */
  private readonly locks: StateStore;

  constructor(readonly root: string, private readonly simOs: 'linux' | 'windows' = 'linux') {
    this.layout = new Layout(root);
    this.sim = path.join(root, 'sim');
    this.locks = new StateStore(root);
  }

  async hostInfo(): Promise<HostInfo> {
    return { os: this.simOs, cpus: os.cpus().length, memoryBytes: os.totalmem(), cgroupMemory: true, cgroupCpu: true, cgroupPids: true };
  }

  async checkImage(): Promise<void> {}

  private file(kind: string, id: string): string {
    return path.join(this.sim, kind, `${id}.json`);
  }

  private async mounts(id: string): Promise<SimMount[]> {
    return (await readJson<SimMount[]>(this.file('mounts', id))) ?? [];
  }

  /**
   * Read-modify-write of one container's mount records, under a lock of its own: the saga may run its steps
   * at once. A container already gone (gc releasing an orphan) has no steps running and no directory to lock in.
   */
  private async editMounts(id: string, edit: (list: SimMount[]) => SimMount[]): Promise<void> {
    const apply = async () => {
      const list = edit(await this.mounts(id));
      if (list.length === 0) await removeFile(this.file('mounts', id));
      else await writeJsonAtomic(this.file('mounts', id), list);
    };
    if (!(await exists(this.layout.container(id)))) return apply();
    return this.locks.withLock(id, apply, '.mounts-lock');
  }

  /** Adds mount records unless a mount of that target is already recorded (idempotent). */
  private async addMounts(id: string, add: SimMount[]): Promise<void> {
    await this.editMounts(id, (list) => [...list, ...add.filter((m) => !list.some((x) => x.target === m.target))]);
  }

  private async dropMounts(id: string, kind: SimMount['kind']): Promise<void> {
    await this.editMounts(id, (list) => list.filter((m) => m.kind !== kind));
  }

  async mountRootfs(id: string, image: string): Promise<{ path: string }> {
    const target = this.layout.rootfs(id);
    await fs.mkdir(target, { recursive: true });
    await this.addMounts(id, [{ kind: 'rootfs', target, source: image, options: 'overlay' }]);
    return { path: target };
  }

  async unmountRootfs(id: string): Promise<void> {
    await this.dropMounts(id, 'rootfs');
  }

  async connectNetwork(id: string, plan: NetnsPlan): Promise<NetworkSettings> {
    await writeJsonAtomic(this.file('netns', id), { name: netnsName(id) });
    const SandboxKey = netnsPath(netnsName(id));
    return plan.kind === 'bridge' ? { ...(await this.allocateIp(id)), SandboxKey } : { ...NO_NETWORK, SandboxKey };
  }

  /** host-local style IPAM: one IP per container ID, reused on retry. */
  private async allocateIp(id: string): Promise<NetworkSettings> {
    const file = path.join(this.sim, 'ipam.json');
    return this.locks.withLock('_ipam', async () => {
      const table = (await readJson<Record<string, string>>(file)) ?? {};
      let ip = Object.entries(table).find(([, owner]) => owner === id)?.[0];
      for (let n = 2; !ip && n < 65534; n++) {
        const candidate = `10.88.${n >> 8}.${n & 255}`;
        if (!table[candidate]) ip = candidate;
      }
      if (!ip) throw new ContainerError('Internal', 'no free IP in 10.88.0.0/16');
      table[ip] = id;
      await writeJsonAtomic(file, table);
      return { IPAddress: ip, IPPrefixLen: 16, Gateway: '10.88.0.1', MacAddress: '', SandboxKey: '' };
    });
  }

  async releaseNetwork(id: string): Promise<void> {
    const file = path.join(this.sim, 'ipam.json');
    await this.locks.withLock('_ipam', async () => {
      const table = (await readJson<Record<string, string>>(file)) ?? {};
      const kept = Object.fromEntries(Object.entries(table).filter(([, owner]) => owner !== id));
      if (Object.keys(kept).length !== Object.keys(table).length) await writeJsonAtomic(file, kept);
    });
    // The netns goes only after its IP is released, like CNI DEL before netns delete.
    await removeFile(this.file('netns', id));
  }

  async setupWorkingDir(id: string, dir: string): Promise<void> {
    await mkdirInRoot(this.layout.rootfs(id), dir);
  }

  async writeSpec(id: string, plan: SpecPlan): Promise<void> {
    const spec = {
      ociVersion: '1.0.2',
      process: {
        args: plan.args,
        env: plan.env,
        cwd: plan.cwd || '/',
        terminal: plan.tty,
        capabilities: plan.capabilities,
        noNewPrivileges: plan.noNewPrivileges,
      },
      hostname: plan.hostname,
      // converted as the Linux driver does, so a profile that could not be loaded fails here too
      seccomp: plan.seccomp ? toOciSeccomp(plan.seccomp, seccompTarget(plan.capabilities)) : null,
      privileged: plan.privileged,
      extraHosts: plan.extraHosts,
    };
    await writeJsonAtomic(path.join(this.sim, 'bundles', id, 'config.json'), spec);
  }

  async removeSpec(id: string): Promise<void> {
    await fs.rm(path.join(this.sim, 'bundles', id), { recursive: true, force: true });
  }

  async setupIpc(id: string, tmpfsOptions: string): Promise<void> {
    await this.addMounts(id, [{ kind: 'ipc', target: this.layout.shm(id), source: 'shm', options: tmpfsOptions }]);
  }

  async releaseIpc(id: string): Promise<void> {
    await this.dropMounts(id, 'ipc');
  }

  async mountVolumes(id: string, mounts: readonly VolumeMount[]): Promise<void> {
    await this.addMounts(id, mounts.map((m) => ({
      kind: 'volume' as const,
      target: m.destination,
      source: m.name ?? m.source,
      options: m.kind === 'tmpfs' ? m.options ?? '' : m.readonly ? 'ro' : 'rw',
    })));
  }

  async unmountVolumes(id: string): Promise<void> {
    await this.dropMounts(id, 'volume');
  }

  async startProcess(id: string): Promise<{ pid: number }> {
    const existing = await readJson<SimProcess>(this.file('processes', id));
    if (existing && !existing.exited) return { pid: existing.pid };
    const pid = 100_000 + Number.parseInt(id.slice(0, 4), 16);
    const spec = await readJson<{ process: { args: string[] } }>(path.join(this.sim, 'bundles', id, 'config.json'));
    const exitCode = spec ? exitsAt(spec.process.args) : undefined;
    const process: SimProcess = { pid, ...(exitCode === undefined ? {} : { exited: { code: exitCode, at: new Date().toISOString() } }) };
    await writeJsonAtomic(this.file('processes', id), process);
    return { pid };
  }

  async unregisterProcess(id: string): Promise<void> {
    for (const execId of (await fs.readdir(execsDir(this.layout, id)).catch(() => [] as string[])).filter(isExecId)) await this.releaseExec(id, execId);
    await removeFile(this.file('processes', id));
  }

  async probeProcess(id: string): Promise<ProcessProbe> {
    const p = await readJson<SimProcess>(this.file('processes', id));
    return p?.exited ? { kind: 'exited', ...p.exited } : { kind: 'running' };
  }

  /** The process record: every change of the simulated process (start, exit) replaces it. */
  processStateFiles(id: string): string[] {
    return [this.file('processes', id)];
  }

  async signalProcess(id: string, signal: number): Promise<boolean> {
    const p = await readJson<SimProcess>(this.file('processes', id));
    if (!p || p.exited) return false;
    if (endsByDefault(signal)) await writeJsonAtomic(this.file('processes', id), { ...p, exited: { code: 128 + signal, at: new Date().toISOString() } });
    return true;
  }

  async pauseProcess(id: string): Promise<void> {
    const p = await readJson<SimProcess>(this.file('processes', id));
    if (!p || p.exited) throw new ContainerError('Internal', `pause ${id.slice(0, 12)}: no simulated process`);
    await writeJsonAtomic(this.file('processes', id), { ...p, frozen: true });
  }

  async resumeProcess(id: string): Promise<void> {
    const p = await readJson<SimProcess>(this.file('processes', id));
    if (p?.frozen) await writeJsonAtomic(this.file('processes', id), { ...p, frozen: false });
  }

  /** Registers the exec, then ends it at once (see the class comment); its status is on disk, as on Linux. */
  async runExec(id: string, plan: ExecPlan, ctx?: ExecContext): Promise<ExecOutcome> {
    const p = execPaths(this.layout, id, plan.execId);
    const pid = 200_000 + Number.parseInt(plan.execId.slice(0, 4), 16);
    await writeJsonAtomic(p.record, { execId: plan.execId, pid });
    await ctx?.onStart?.(pid);
    const [cmd, flag, script] = plan.args;
    const exit = cmd === 'sh' && flag === '-c' ? /^\s*exit\s+(\d+)\s*$/.exec(script ?? '') : null;
    const exitCode = exit ? Number(exit[1]) & 255 : 0;
    await fs.writeFile(p.exit, `${exitCode}\n`);
    return { exitCode };
  }

  async releaseExec(id: string, execId: string): Promise<void> {
    await removeFile(execPaths(this.layout, id, execId).record);
  }

  async terminate(id: string): Promise<number> {
    const p = await readJson<SimProcess>(this.file('processes', id));
    await removeFile(this.file('processes', id));
    return p?.exited?.code ?? 143; // 128 + SIGTERM: the simulated process honours SIGTERM.
  }

  async removeContainerFiles(id: string): Promise<void> {
    await fs.rm(this.layout.faultCounters(id), { recursive: true, force: true });
  }

  async importImage(name: string, source: string): Promise<ImageInfo> {
    // the Linux driver's rule: the name is a directory under images/, never a way out of it, and encoded as its
    // (layout.image): a name with '/' (fz/img:1, library/x) is one directory, which image ls finds
    if (!isImageName(name)) throw new ContainerError('InvalidParameter', `invalid image name: ${name}`);
    if (source !== 'busybox-static' && !(await exists(source))) {
      throw new ContainerError('InvalidParameter', `image source ${source} does not exist`);
    }
    const info: ImageInfo = { name, created: new Date().toISOString(), sizeBytes: 0 };
    await writeJsonAtomic(path.join(this.layout.image(name), 'image.json'), { ...info, source });
    return info;
  }

  async listImages(): Promise<ImageInfo[]> {
    const dir = this.layout.images;
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    const infos = await Promise.all(names.map((n) => readJson<ImageInfo>(path.join(dir, n, 'image.json'))));
    return infos.filter((i): i is ImageInfo => i !== undefined);
  }

  async heldResources(): Promise<HeldResource[]> {
    const held: HeldResource[] = [];
    const ids = async (kind: string) => (await fs.readdir(path.join(this.sim, kind)).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
    for (const id of await ids('mounts')) for (const m of await this.mounts(id)) held.push({ kind: 'mount', containerId: id, detail: `${m.kind} ${m.target}` });
    for (const id of await ids('netns')) held.push({ kind: 'netns', containerId: id, detail: netnsName(id) });
    for (const id of await ids('processes')) held.push({ kind: 'process', containerId: id, detail: 'simulated process' });
    for (const id of await fs.readdir(this.layout.containers).catch(() => [] as string[])) {
      for (const execId of (await fs.readdir(execsDir(this.layout, id)).catch(() => [] as string[])).filter(isExecId)) {
        if (await exists(execPaths(this.layout, id, execId).record)) held.push({ kind: 'process', containerId: id, detail: `simulated exec ${execId.slice(0, 12)}` });
      }
    }
    const table = (await readJson<Record<string, string>>(path.join(this.sim, 'ipam.json'))) ?? {};
    for (const [ip, id] of Object.entries(table)) held.push({ kind: 'ip', containerId: id, detail: ip });
    const bundles = await fs.readdir(path.join(this.sim, 'bundles')).catch(() => [] as string[]);
    for (const id of bundles) held.push({ kind: 'bundle', containerId: id, detail: 'bundle' });
    return held;
  }
}
