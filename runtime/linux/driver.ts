import { promises as fs, realpathSync } from 'node:fs';
import path from 'node:path';
import { ContainerError } from '../../common/errors';
import { needsOwnIpc, parseIpcMode, parseNetMode } from '../../common/net-mode';
import { parseSecurityOpts } from '../../common/security-opt';
import type { HostInfo } from '../../common/settings';
import { DEFAULT_SHM_SIZE, NO_NETWORK, type ContainerRecord, type ImageInfo, type NetworkSettings } from '../../common/types';
import { BaseRuntime } from '../base';
import type { HeldResource, SpecRequest, StepContext } from '../contract';
import { exists } from '../fsutil';
import { clearFaultCounters } from '../faults';
import { mkdirInRoot } from '../rootfs-path';
import type { CniNetwork } from './cni';
import { hostnameFile, hostsFile, resolvConf } from './etc-files';
import { writeFileReplace } from './files';
import { linuxHostInfo } from './hostinfo';
import * as images from './images';
import { Layout, netnsName, netnsPath, short } from './layout';
import { mountAt, mountsUnder, readMountInfo } from './mountinfo';
import { ensurePrivateRoot, mountOverlay, mountTmpfs, unmount } from './mounts';
import { connectBridge, ownNetns, releaseOwnNetwork } from './network';
import { heldResources } from './probe';
import * as proc from './process';
import { buildSpec, type IpcSetup } from './spec';
import { prepareVolumeSources, volumeMounts } from './volumes';

export interface LinuxRuntimeOptions {
  /** container subnet (default: CONTAINER_SAGA_SUBNET, else 10.88.0.0/16) */
  subnet?: string;
  /** the project-owned namespace the bridge lives in (default: CONTAINER_SAGA_HOST_NETNS, else container-saga-host) */
  hostNetns?: string;
  /** bridge device inside that namespace (default cs0) */
  bridge?: string;
}

function realRoot(root: string): string {
  const abs = path.resolve(root);
  try {
    return realpathSync(abs);
  } catch {
    return abs; // not created yet: the first step creates it
  }
}


/**
 * The real driver: overlayfs rootfs, named netns + CNI bridge (in a project-owned host-side namespace), an
 * OCI bundle run by runc under a detached shim, volumes mounted by runc inside the container. Every resource
 * is named after the container ID (runtime/linux/layout.ts), so every step adopts what an earlier attempt left
 * and every release finds what there is to release. This class keeps the records (store, under its lock);
 * the modules beside it do the system work: mounts.ts, network.ts (netns.ts, cni.ts), spec.ts, volumes.ts,
 * process.ts (shim.ts, runc.ts), images.ts, probe.ts.
 */
export class LinuxRuntime extends BaseRuntime {
  readonly kind = 'linux' as const;
  readonly layout: Layout;
  readonly network: CniNetwork;

  constructor(root: string, opts: LinuxRuntimeOptions = {}) {
    // Absolute and without symlinks: mount points are compared with /proc/self/mountinfo, which has real paths.
    super(realRoot(root));
    this.layout = new Layout(root);
    this.network = {
      name: 'container-saga',
      bridge: opts.bridge ?? 'cs0',
      subnet: opts.subnet ?? process.env.CONTAINER_SAGA_SUBNET ?? '10.88.0.0/16',
      dataDir: this.layout.ipamDir,
      hostNetns: opts.hostNetns ?? process.env.CONTAINER_SAGA_HOST_NETNS ?? 'container-saga-host',
    };
  }

  hostInfo(): Promise<HostInfo> {
    return linuxHostInfo();
  }

  protected checkImage(image: string): Promise<void> {
    return images.checkImage(this.layout, image);
  }

  importImage(name: string, source: string): Promise<ImageInfo> {
    return images.importImage(this.layout, name, source);
  }

  listImages(): Promise<ImageInfo[]> {
    return images.listImages(this.layout);
  }

  // --- records: a container whose process has exited reads as exited ---------------------------------------

  override async lookup(ref: string): Promise<ContainerRecord> {
    return this.refresh(await super.lookup(ref));
  }

  override async list(): Promise<ContainerRecord[]> {
    return Promise.all((await super.list()).map((r) => this.refresh(r)));
  }

  /**
   * A record says Running: check cheaply (exit file, /proc) that its process still runs; when it has exited,
   * write Status exited, the exit code and FinishedAt back under the lock, and emit `die`. Resources stay held
   * until stop/remove (or the worker's reconciliation) releases them, as Docker's do until Cleanup.
   */
  private async refresh(rec: ContainerRecord): Promise<ContainerRecord> {
    if (!rec.State.Running) return rec;
    const st = await proc.probeProcess(this.layout, rec.Id);
    if (st.kind === 'running' || st.kind === 'pending') return rec;
    const exitCode = st.kind === 'exited' ? st.code : proc.UNKNOWN_EXIT;
    const finishedAt = st.kind === 'exited' ? st.at : new Date().toISOString();
    let changed = false;
    let updated: ContainerRecord;
    try {
      updated = await this.store.update(rec.Id, (r) => {
        if (!r.State.Running || r.State.Pid !== rec.State.Pid) return;
        r.State = { ...r.State, Status: 'exited', Running: false, Pid: 0, ExitCode: exitCode, FinishedAt: finishedAt };
        changed = true;
      });
    } catch (err) {
      if (err instanceof ContainerError && err.type === 'NoSuchContainer') return rec;
      throw err;
    }
    if (changed) await this.emitEvent(rec.Id, 'die', { exitCode: String(exitCode) });
    return updated;
  }

  // --- step 5: rootfs -------------------------------------------------------------------------------------

  async mountRootfs(id: string): Promise<{ path: string }> {
    const rec = await this.store.get(id);
    const lower = this.layout.imageRootfs(rec.Config.Image);
    if (!(await exists(lower))) await this.checkImage(rec.Config.Image);
    await ensurePrivateRoot(this.root);
    const target = this.layout.rootfs(id);
    await mountOverlay({ lower, upper: this.layout.upper(id), work: this.layout.work(id), target }, `mount rootfs of ${short(id)}`);
    return { path: target };
  }

  async unmountRootfs(id: string, ctx?: StepContext): Promise<void> {
    await proc.requireNoProcess(this.layout, id, 'unmount its rootfs');
    await unmount(this.layout.rootfs(id), `unmount rootfs of ${short(id)}`, ctx);
  }

  // --- step 7: network ------------------------------------------------------------------------------------

  async connectNetwork(id: string, ctx?: StepContext): Promise<NetworkSettings> {
    const rec = await this.store.get(id);
    const mode = parseNetMode(rec.HostConfig.NetworkMode);
    if (!mode) throw new ContainerError('InvalidParameter', `network ${rec.HostConfig.NetworkMode} not found`);
    let settings: NetworkSettings;
    switch (mode.kind) {
      case 'host':
        settings = { ...NO_NETWORK };
        break;
      case 'container': {
        const other = await this.runningPeer(id, mode.target!, 'network');
        settings = { ...other.NetworkSettings };
        break;
      }
      case 'none':
        await ownNetns(this.layout, id);
        settings = { ...NO_NETWORK, SandboxKey: netnsPath(netnsName(id)) };
        break;
      case 'bridge':
        settings = await connectBridge(this.network, this.layout, id, ctx);
        break;
    }
    await this.store.update(id, (r) => {
      r.NetworkSettings = settings;
    });
    return settings;
  }

  /** container:X for network or IPC: X must be another container, and running. */
  private async runningPeer(id: string, ref: string, what: 'network' | 'IPC'): Promise<ContainerRecord> {
    const other = await this.lookup(ref);
    if (other.Id === id) throw new ContainerError('InvalidParameter', what === 'network' ? 'cannot join own network' : 'cannot join own IPC namespace');
    if (!other.State.Running) {
      throw new ContainerError('ContainerNotRunning', `cannot join ${what} of a non running container: ${other.Id}`);
    }
    return other;
  }

  /** CNI DEL then the netns (network.ts), then NetworkSettings cleared. Nothing of a container:X peer is touched. */
  async releaseNetwork(id: string, ctx?: StepContext): Promise<void> {
    await proc.requireNoProcess(this.layout, id, 'release its network');
    await releaseOwnNetwork(this.network, this.layout, id, ctx);
    const rec = await this.store.read(id);
    if (rec && JSON.stringify(rec.NetworkSettings) !== JSON.stringify(NO_NETWORK)) {
      await this.store.update(id, (r) => {
        r.NetworkSettings = { ...NO_NETWORK };
      });
    }
  }

  // --- step 9: working dir --------------------------------------------------------------------------------

  async setupWorkingDir(id: string): Promise<void> {
    const rec = await this.store.get(id);
    if (!rec.Config.WorkingDir) return;
    const rootfs = this.layout.rootfs(id);
    if (!mountAt(await readMountInfo(), rootfs)) throw new ContainerError('Internal', `working dir of ${short(id)}: its rootfs is not mounted`);
    await mkdirInRoot(rootfs, rec.Config.WorkingDir);
  }

  // --- step 11: OCI bundle --------------------------------------------------------------------------------

  async writeSpec(id: string, req: SpecRequest): Promise<void> {
    const rec = await this.store.get(id);
    const hc = rec.HostConfig;
    const bundle = this.layout.bundle(id);

    const net = parseNetMode(hc.NetworkMode);
    let netns: string | undefined;
    if (net?.kind === 'bridge' || net?.kind === 'none') netns = netnsPath(netnsName(id));
    else if (net?.kind === 'container') netns = (await this.runningPeer(id, net.target!, 'network')).NetworkSettings.SandboxKey || undefined;

    const ipcMode = parseIpcMode(hc.IpcMode);
    let ipc: IpcSetup;
    if (ipcMode?.kind === 'host') ipc = { kind: 'host' };
    else if (ipcMode?.kind === 'none') ipc = { kind: 'none' };
    else if (ipcMode?.kind === 'container') {
      const other = await this.runningPeer(id, ipcMode.target!, 'IPC');
      const otherMode = parseIpcMode(other.HostConfig.IpcMode)?.kind;
      const shm = needsOwnIpc(other.HostConfig.IpcMode) ? this.layout.shm(other.Id) : otherMode === 'host' ? '/dev/shm' : undefined;
      ipc = { kind: 'join', nsPath: `/proc/${other.State.Pid}/ns/ipc`, shm };
    } else ipc = { kind: 'private', shm: this.layout.shm(id) };

    const etc = { hostname: path.join(bundle, 'hostname'), hosts: path.join(bundle, 'hosts'), resolvConf: path.join(bundle, 'resolv.conf') };
    const spec = buildSpec({
      id,
      args: rec.Config.Cmd,
      env: req.env,
      cwd: rec.Config.WorkingDir,
      hostname: rec.Config.Hostname,
      rootfs: this.layout.rootfs(id),
      readonlyRootfs: hc.ReadonlyRootfs,
      noNewPrivileges: parseSecurityOpts(hc.SecurityOpt).noNewPrivileges,
      netnsPath: netns,
      ipc,
      etc,
      volumes: volumeMounts(hc, (n) => this.layout.volume(n)),
      memory: hc.Memory,
      nanoCpus: hc.NanoCpus,
      pidsLimit: hc.PidsLimit,
      cgroupsPath: this.layout.cgroupsPath(id),
    });
    await fs.mkdir(bundle, { recursive: true });
    await Promise.all([
      writeFileReplace(etc.hostname, hostnameFile(rec.Config.Hostname)),
      writeFileReplace(etc.hosts, hostsFile(rec.Config.Hostname, rec.NetworkSettings.IPAddress, req.extraHosts)),
      writeFileReplace(etc.resolvConf, resolvConf()),
    ]);
    // 0600: the spec holds the container's environment
    await writeFileReplace(path.join(bundle, 'config.json'), `${JSON.stringify(spec, null, 2)}\n`, 0o600);
  }

  async removeSpec(id: string): Promise<void> {
    await fs.rm(this.layout.bundle(id), { recursive: true, force: true });
  }

  // --- step 12: IPC ---------------------------------------------------------------------------------------

  async setupIpc(id: string): Promise<void> {
    const rec = await this.store.get(id);
    if (!needsOwnIpc(rec.HostConfig.IpcMode)) return; // host, container:X and none have no /dev/shm of their own
    await ensurePrivateRoot(this.root);
    const size = rec.HostConfig.ShmSize || DEFAULT_SHM_SIZE;
    await mountTmpfs(this.layout.shm(id), `mode=1777,size=${size}`, `mount IPC tmpfs of ${short(id)}`);
  }

  async releaseIpc(id: string, ctx?: StepContext): Promise<void> {
    await proc.requireNoProcess(this.layout, id, 'unmount its IPC tmpfs');
    await unmount(this.layout.shm(id), `unmount IPC tmpfs of ${short(id)}`, ctx);
  }

  // --- step 13: volumes (mounted by runc inside the container: see volumes.ts) -----------------------------

  async mountVolumes(id: string): Promise<void> {
    const rec = await this.store.get(id);
    await prepareVolumeSources(volumeMounts(rec.HostConfig, (n) => this.layout.volume(n)));
  }

  /**
   * The volumes are mounted only in the container's mount namespace, which ends with its process: releasing
   * them means making sure that process is gone (unregisterProcess runs first). Named volumes persist.
   */
  async unmountVolumes(id: string): Promise<void> {
    await proc.requireNoProcess(this.layout, id, 'release its volumes');
  }

  // --- step 14: the process (process.ts, shim.ts) --------------------------------------------------------

  async startProcess(id: string, ctx?: StepContext): Promise<{ pid: number }> {
    const rec = await this.store.get(id);
    if (rec.Config.Cmd.length === 0) throw new ContainerError('StartFailed', 'No command specified', { retryable: false });
    return proc.startProcess(this.layout, id, ctx);
  }

  /** Kill, wait, runc delete --force, drop the exec record. Idempotent; fine when nothing was started. */
  unregisterProcess(id: string, ctx?: StepContext): Promise<void> {
    return proc.unregisterProcess(this.layout, id, ctx);
  }

  /**
   * SIGTERM, SIGKILL after timeoutSeconds, wait; the exit code from the shim's exit file, else 128+signal.
   * (The container's process is PID 1 of its namespace: without a handler it ignores SIGTERM, as under Docker.)
   */
  protected terminate(id: string, timeoutSeconds: number, ctx?: StepContext): Promise<number> {
    return proc.terminate(this.layout, id, timeoutSeconds, ctx);
  }

  /** The container's own files, once everything is released (never through a mount). */
  protected async removeContainerFiles(id: string): Promise<void> {
    const l = this.layout;
    const mounted = mountsUnder(await readMountInfo(), l.container(id), { includeSelf: true });
    if (mounted.length > 0) {
      throw new ContainerError('Internal', `remove ${short(id)}: still mounted: ${mounted.map((m) => m.mountPoint).join(', ')}`);
    }
    const files = [l.rootfs(id), l.upper(id), l.work(id), l.shm(id), l.bundle(id), l.cniResult(id), l.execRecord(id), l.pidFile(id), l.exitFile(id), l.attemptFile(id), l.log(id), l.runcLog(id)];
    await Promise.all(files.map((f) => fs.rm(f, { recursive: true, force: true })));
    await fs.rm(l.netnsMarker(netnsName(id)), { force: true });
    await clearFaultCounters(this.root, id);
  }

  async logs(id: string): Promise<string> {
    await this.store.get(id);
    return fs.readFile(this.layout.log(id), 'utf8').catch(() => '');
  }

  heldResources(): Promise<HeldResource[]> {
    return heldResources(this.root);
  }
}
