import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ContainerError } from '../../common/errors';
import { parseIpcMode, parseNetMode } from '../../common/net-mode';
import type { HostInfo } from '../../common/settings';
import { DEFAULT_SHM_SIZE, NO_NETWORK, type ImageInfo, type NetworkSettings } from '../../common/types';
import { BaseRuntime } from '../base';
import type { HeldResource, SpecRequest, StepContext } from '../contract';
import { exists, readJson, removeFile, writeJsonAtomic } from '../fsutil';
import { clearFaultCounters } from '../faults';
import { mkdirInRoot } from '../rootfs-path';

interface SimMount {
  kind: 'rootfs' | 'ipc' | 'volume';
  target: string;
  source: string;
  options: string;
}


/**
 * The simulated driver: the same contract as the Linux driver, without root. Side effects are records on
 * disk under <root>/sim (mounts, netns, IP allocations, processes), so leaks are checkable, and the rootfs is
 * a plain directory so working-dir rules are real. Images are not needed: any image name is accepted.
 * CONTAINER_SAGA_SIM_OS=windows makes it report a Windows host (for HostConfigStart).
 */
export class SimulatedRuntime extends BaseRuntime {
  readonly kind = 'simulated' as const;
  private readonly sim: string;

  constructor(root: string, private readonly simOs: 'linux' | 'windows' = 'linux') {
    super(root);
    this.sim = path.join(root, 'sim');
  }

  async hostInfo(): Promise<HostInfo> {
    return { os: this.simOs, cpus: os.cpus().length, memoryBytes: os.totalmem(), cgroupMemory: true, cgroupCpu: true, cgroupPids: true };
  }

  protected async checkImage(): Promise<void> {}

  private file(kind: string, id: string): string {
    return path.join(this.sim, kind, `${id}.json`);
  }

  private async mounts(id: string): Promise<SimMount[]> {
    return (await readJson<SimMount[]>(this.file('mounts', id))) ?? [];
  }

  private async setMounts(id: string, list: SimMount[]): Promise<void> {
    if (list.length === 0) await removeFile(this.file('mounts', id));
    else await writeJsonAtomic(this.file('mounts', id), list);
  }

  /**
   * Read-modify-write of one container's mount records, under a lock of its own: the saga may run its steps
   * at once. A container already gone (gc releasing an orphan) has no steps running and no directory to lock in.
   */
  private async editMounts(id: string, edit: (list: SimMount[]) => SimMount[]): Promise<void> {
    const apply = async () => this.setMounts(id, edit(await this.mounts(id)));
    if (!(await exists(this.store.containerDir(id)))) return apply();
    return this.store.withLock(id, apply, '.mounts-lock');
  }

  /** Adds mount records unless a mount of that target is already recorded (idempotent). */
  private async addMounts(id: string, add: SimMount[]): Promise<void> {
    await this.editMounts(id, (list) => [...list, ...add.filter((m) => !list.some((x) => x.target === m.target))]);
  }

  private async dropMounts(id: string, kind: SimMount['kind']): Promise<void> {
    await this.editMounts(id, (list) => list.filter((m) => m.kind !== kind));
  }

  private rootfsPath(id: string): string {
    return path.join(this.store.containerDir(id), 'rootfs');
  }

  async mountRootfs(id: string): Promise<{ path: string }> {
    const rec = await this.store.get(id);
    const target = this.rootfsPath(id);
    await fs.mkdir(target, { recursive: true });
    await this.addMounts(id, [{ kind: 'rootfs', target, source: rec.Config.Image, options: 'overlay' }]);
    return { path: target };
  }

  async unmountRootfs(id: string): Promise<void> {
    await this.dropMounts(id, 'rootfs');
  }

  async connectNetwork(id: string): Promise<NetworkSettings> {
    const rec = await this.store.get(id);
    const mode = parseNetMode(rec.HostConfig.NetworkMode);
    let settings: NetworkSettings = { ...NO_NETWORK };
    if (mode?.kind === 'container') {
      const other = await this.store.lookup(mode.target!);
      if (other.Id === id) throw new ContainerError('InvalidParameter', 'cannot join own network');
      if (!other.State.Running) throw new ContainerError('ContainerNotRunning', `cannot join network of a non running container: ${other.Id}`);
      settings = { ...other.NetworkSettings };
    } else if (mode?.kind === 'bridge' || mode?.kind === 'none') {
      await writeJsonAtomic(this.file('netns', id), { name: `cs-${id.slice(0, 12)}` });
      const sandbox = `/run/netns/cs-${id.slice(0, 12)}`;
      settings = mode.kind === 'bridge' ? { ...(await this.allocateIp(id)), SandboxKey: sandbox } : { ...NO_NETWORK, SandboxKey: sandbox };
    }
    await this.store.update(id, (r) => {
      r.NetworkSettings = settings;
    });
    return settings;
  }

  /** host-local style IPAM: one IP per container ID, reused on retry. */
  private async allocateIp(id: string): Promise<NetworkSettings> {
    const file = path.join(this.sim, 'ipam.json');
    return this.store.withLock('_ipam', async () => {
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
    await this.store.withLock('_ipam', async () => {
      const table = (await readJson<Record<string, string>>(file)) ?? {};
      const kept = Object.fromEntries(Object.entries(table).filter(([, owner]) => owner !== id));
      if (Object.keys(kept).length !== Object.keys(table).length) await writeJsonAtomic(file, kept);
    });
    // The netns goes only after its IP is released, like CNI DEL before netns delete.
    await removeFile(this.file('netns', id));
    if (await this.store.read(id)) {
      await this.store.update(id, (r) => {
        r.NetworkSettings = { ...NO_NETWORK };
      });
    }
  }

  async setupWorkingDir(id: string): Promise<void> {
    const rec = await this.store.get(id);
    if (rec.Config.WorkingDir) await mkdirInRoot(this.rootfsPath(id), rec.Config.WorkingDir);
  }

  async writeSpec(id: string, req: SpecRequest): Promise<void> {
    const rec = await this.store.get(id);
    const spec = {
      ociVersion: '1.0.2',
      process: { args: rec.Config.Cmd, env: req.env, cwd: rec.Config.WorkingDir || '/', terminal: rec.Config.Tty },
      hostname: rec.Config.Hostname,
      extraHosts: req.extraHosts,
    };
    await writeJsonAtomic(path.join(this.sim, 'bundles', id, 'config.json'), spec);
  }

  async removeSpec(id: string): Promise<void> {
    await fs.rm(path.join(this.sim, 'bundles', id), { recursive: true, force: true });
  }

  async setupIpc(id: string): Promise<void> {
    const rec = await this.store.get(id);
    const mode = parseIpcMode(rec.HostConfig.IpcMode);
    if (mode?.kind === 'host' || mode?.kind === 'container' || mode?.kind === 'none') return;
    const size = rec.HostConfig.ShmSize || DEFAULT_SHM_SIZE;
    await this.addMounts(id, [{ kind: 'ipc', target: path.join(this.store.containerDir(id), 'shm'), source: 'shm', options: `mode=1777,size=${size}` }]);
  }

  async releaseIpc(id: string): Promise<void> {
    await this.dropMounts(id, 'ipc');
  }

  async mountVolumes(id: string): Promise<void> {
    const rec = await this.store.get(id);
    const add: SimMount[] = [];
    for (const bind of rec.HostConfig.Binds) {
      const [source, dest, mode] = bind.split(':') as [string, string, string | undefined];
      if (source.startsWith('/')) {
        try {
          await fs.stat(source);
        } catch {
          throw new ContainerError('InvalidMount', `invalid mount config for type "bind": bind source path does not exist: ${source}`);
        }
      } else {
        await fs.mkdir(path.join(this.root, 'volumes', source, '_data'), { recursive: true });
      }
      add.push({ kind: 'volume', target: dest, source, options: mode ?? 'rw' });
    }
    for (const [dest, options] of Object.entries(rec.HostConfig.Tmpfs)) add.push({ kind: 'volume', target: dest, source: 'tmpfs', options });
    add.sort((a, b) => a.target.localeCompare(b.target));
    await this.addMounts(id, add);
  }

  async unmountVolumes(id: string): Promise<void> {
    await this.dropMounts(id, 'volume');
  }

  async startProcess(id: string): Promise<{ pid: number }> {
    const existing = await readJson<{ pid: number }>(this.file('processes', id));
    if (existing) return { pid: existing.pid };
    const rec = await this.store.get(id);
    if (rec.Config.Cmd.length === 0) throw new ContainerError('StartFailed', 'No command specified');
    const pid = 100_000 + Number.parseInt(id.slice(0, 4), 16);
    await writeJsonAtomic(this.file('processes', id), { pid, args: rec.Config.Cmd });
    return { pid };
  }

  async unregisterProcess(id: string): Promise<void> {
    await removeFile(this.file('processes', id));
  }

  protected async terminate(id: string, _timeoutSeconds: number, _ctx?: StepContext): Promise<number> {
    await removeFile(this.file('processes', id));
    return 143; // 128 + SIGTERM: the simulated process honours SIGTERM.
  }

  protected async removeContainerFiles(id: string): Promise<void> {
    await clearFaultCounters(this.root, id);
  }

  async logs(id: string): Promise<string> {
    await this.store.get(id);
    return '';
  }

  async importImage(name: string, source: string): Promise<ImageInfo> {
    if (source !== 'busybox-static' && !(await exists(source))) {
      throw new ContainerError('InvalidParameter', `image source ${source} does not exist`);
    }
    const info: ImageInfo = { name, created: new Date().toISOString(), sizeBytes: 0 };
    await writeJsonAtomic(path.join(this.root, 'images', name, 'image.json'), { ...info, source });
    return info;
  }

  async listImages(): Promise<ImageInfo[]> {
    const dir = path.join(this.root, 'images');
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    const infos = await Promise.all(names.map((n) => readJson<ImageInfo>(path.join(dir, n, 'image.json'))));
    return infos.filter((i): i is ImageInfo => i !== undefined);
  }

  async heldResources(): Promise<HeldResource[]> {
    const held: HeldResource[] = [];
    const ids = async (kind: string) => (await fs.readdir(path.join(this.sim, kind)).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
    for (const id of await ids('mounts')) for (const m of await this.mounts(id)) held.push({ kind: 'mount', containerId: id, detail: `${m.kind} ${m.target}` });
    for (const id of await ids('netns')) held.push({ kind: 'netns', containerId: id, detail: `cs-${id.slice(0, 12)}` });
    for (const id of await ids('processes')) held.push({ kind: 'process', containerId: id, detail: 'simulated process' });
    const table = (await readJson<Record<string, string>>(path.join(this.sim, 'ipam.json'))) ?? {};
    for (const [ip, id] of Object.entries(table)) held.push({ kind: 'ip', containerId: id, detail: ip });
    const bundles = await fs.readdir(path.join(this.sim, 'bundles')).catch(() => [] as string[]);
    for (const id of bundles) held.push({ kind: 'bundle', containerId: id, detail: 'bundle' });
    return held;
  }
}

