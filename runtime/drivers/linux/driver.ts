import { promises as fs } from 'node:fs';
import { ContainerError } from '../../../common/errors';
import { getConfig } from '../../../config';
import type { IdRange } from '../../../config/userns-remap';
import type { HostInfo } from '../../../common/settings';
import type { HeldResource, StepContext } from '../../contract';
import type {
  BridgeAttachment,
  BridgeRule,
  Driver,
  EndpointAddress,
  NetnsResult,
  ExecContext,
  ExecOutcome,
  ExecPlan,
  NetnsPlan,
  ProcessProbe,
  RootfsPlan,
  SpecPlan,
  VolumeMount,
} from '../../driver';
import { mkdirInRoot } from '../../rootfs-path';
import { DEFAULT_CNI_NAME, type CniNetwork } from './cni';
import { linuxHostInfo } from './hostinfo';
import { Layout, short } from '../layout';
import { mountAt, readMountInfo } from './mountinfo';
import { ensurePrivateRoot, mountOverlay, mountTmpfs, unmount } from './mounts';
import { releaseExec, releaseExecs, runExec } from './exec-process';
import { cgroupPids, isFrozen, runcKill, runcPause, runcResume } from './freezer';
import { disconnectOne, releaseOwnNetwork } from './network';
import { HostBridges } from './bridges';
import { writePeerHosts } from './hosts-file';
import { heldResources } from './probe';
import { publishPorts, unpublishPorts } from './ports';
import { writeBundle } from './bundle';
import { realRoot } from './files';
import * as proc from './process';
import { startProcess } from './conmon-start';
import { removeContainerFiles } from './container-files';
import * as view from './container-view';
import { chownNamedVolumes, prepareContainerDirs, remappedLower } from './userns';

export interface LinuxDriverOptions {
  /** container subnet (default: CONTAINER_SAGA_SUBNET, else 10.88.0.0/16) */
  subnet?: string;
  /** the project-owned namespace the bridge lives in (default: CONTAINER_SAGA_HOST_NETNS, else container-saga-host) */
  hostNetns?: string;
  /** bridge device inside that namespace (default cs0) */
  bridge?: string;
  /** the /30 linking that namespace to the host (uplink.ts; default: CONTAINER_SAGA_UPLINK_SUBNET) */
  uplinkSubnet?: string;
  /** CONTAINER_SAGA_USERNS_REMAP: a user namespace per container, root mapped to these ranges (userns.ts) */
  remap?: IdRange;
}

/**
 * The real driver: overlayfs rootfs, named netns + CNI bridge (in a project-owned host-side namespace), an
 * OCI bundle run by runc under conmon, volumes mounted by runc inside the container. Every resource
 * is named after the container ID (layout.ts), so every acquire adopts what an earlier attempt left and every
 * release finds what there is to release. The modules beside it do the system work: mounts.ts, network.ts
 * (netns.ts, cni.ts), ports.ts (port-proxy.ts), spec.ts, conmon-start.ts, process.ts (runc.ts), freezer.ts
 * (runc pause, cgroup pids), images.ts, probe.ts.
 */
export class LinuxDriver implements Driver {
  readonly kind = 'linux' as const;
  readonly root: string;
  readonly layout: Layout;
  readonly network: CniNetwork;
  readonly remap: IdRange | undefined;
  private readonly bridges: HostBridges;

  constructor(root: string, opts: LinuxDriverOptions = {}) {
    // Absolute and without symlinks: mount points are compared with /proc/self/mountinfo, which has real paths.
    this.root = realRoot(root);
    this.layout = new Layout(root);
    this.remap = opts.remap;
    this.network = {
      name: DEFAULT_CNI_NAME,
      bridge: opts.bridge ?? 'cs0',
      subnet: opts.subnet ?? getConfig().subnet,
      dataDir: this.layout.ipamDir,
      hostNetns: opts.hostNetns ?? getConfig().hostNetns,
    };
    this.bridges = new HostBridges(this.network, this.layout, this.remap, opts.uplinkSubnet);
  }

  hostInfo(): Promise<HostInfo> {
    return linuxHostInfo();
  }

  // --- mount-rootfs ------------------------------------------------------------------------------------------

  async mountRootfs(id: string, plan: RootfsPlan): Promise<{ path: string }> {
    await ensurePrivateRoot(this.root);
    let lower = plan.lower;
    if (this.remap) {
      lower = await remappedLower(plan, this.remap);
      await prepareContainerDirs(this.layout, id, this.remap);
    }
    const target = this.layout.rootfs(id);
    await mountOverlay(
      { lower: lower.lowerdir, cwd: lower.cwd, upper: this.layout.upper(id), work: this.layout.work(id), target },
      `mount rootfs of ${short(id)}`,
    );
    return { path: target };
  }

  processRoot(id: string): Promise<string | undefined> {
    return view.processRoot(this.layout, id);
  }

  withRootfs<T>(id: string, plan: RootfsPlan, fn: (rootfs: string) => Promise<T>): Promise<T> {
    return view.withRootfs(this.layout, id, plan, (i, p) => this.mountRootfs(i, p), fn);
  }

  upperDir(id: string): string {
    return this.layout.upper(id);
  }

  async unmountRootfs(id: string, ctx?: StepContext): Promise<void> {
    await proc.requireNoProcess(this.layout, id, 'unmount its rootfs');
    await unmount(this.layout.rootfs(id), `unmount rootfs of ${short(id)}`, ctx);
  }

  // --- network -----------------------------------------------------------------------------------------------

  get defaultSubnet(): string {
    return this.network.subnet;
  }

  connectNetwork(id: string, plan: NetnsPlan, ctx?: StepContext): Promise<NetnsResult> {
    return this.bridges.connect(id, plan, ctx);
  }

  /** CNI DEL of every attachment then the netns (network.ts). Nothing of a container:X peer is touched. */
  async releaseNetwork(id: string, ctx?: StepContext): Promise<void> {
    await proc.requireNoProcess(this.layout, id, 'release its network');
    await releaseOwnNetwork(this.network, this.layout, id, ctx);
  }

  /** a proxy per binding (ports.ts) */
  readonly publishPorts: Driver['publishPorts'] = (id, ip, requests, ctx) =>
    publishPorts(this.layout, this.network.hostNetns, id, ip, requests, ctx);
  readonly unpublishPorts: Driver['unpublishPorts'] = (id, ctx) => unpublishPorts(this.layout, id, ctx);

  attachNetwork(id: string, a: BridgeAttachment, rules: BridgeRule[], ctx?: StepContext): Promise<EndpointAddress> {
    return this.bridges.attach(id, a, rules, ctx);
  }

  detachNetwork(id: string, cniName: string, ctx?: StepContext): Promise<void> {
    return disconnectOne(this.layout, id, cniName, this.network, ctx);
  }

  bridgeSideSubnets(): Promise<Array<{ device: string; subnet: string }>> {
    return this.bridges.subnets();
  }

  removeBridge(cniName: string, bridge: string, rules: BridgeRule[]): Promise<void> {
    return this.bridges.remove(cniName, bridge, rules);
  }

  // --- working-dir -------------------------------------------------------------------------------------------

  async setupWorkingDir(id: string, dir: string): Promise<void> {
    const rootfs = this.layout.rootfs(id);
    if (!mountAt(await readMountInfo(), rootfs))
      throw new ContainerError('Internal', `working dir of ${short(id)}: its rootfs is not mounted`);
    await mkdirInRoot(rootfs, dir);
  }

  // --- spec: the OCI bundle (bundle.ts) -------------------------------------------------------------------------

  writeSpec(id: string, plan: SpecPlan): Promise<void> {
    return writeBundle(this.layout, id, plan, this.remap);
  }

  writePeerHosts(id: string, lines: readonly string[]): Promise<void> {
    return writePeerHosts(this.layout, id, lines);
  }

  async removeSpec(id: string): Promise<void> {
    await fs.rm(this.layout.bundle(id), { recursive: true, force: true });
  }

  // --- ipc ---------------------------------------------------------------------------------------------------

  async setupIpc(id: string, tmpfsOptions: string): Promise<void> {
    await ensurePrivateRoot(this.root);
    // under a user namespace its root owns the tmpfs's root, as Docker's setupIpcDirs does
    const owner = this.remap ? `,uid=${this.remap.uid},gid=${this.remap.gid}` : '';
    await mountTmpfs(this.layout.shm(id), `${tmpfsOptions}${owner}`, `mount IPC tmpfs of ${short(id)}`);
  }

  async releaseIpc(id: string, ctx?: StepContext): Promise<void> {
    await proc.requireNoProcess(this.layout, id, 'unmount its IPC tmpfs');
    await unmount(this.layout.shm(id), `unmount IPC tmpfs of ${short(id)}`, ctx);
  }

  // --- volumes -----------------------------------------------------------------------------------------------

  /**
   * Nothing to mount on the host: the spec lists the mounts and runc mounts them inside the container's own
   * mount namespace, where they end with its process (fewer host mounts, nothing under the root to leak).
   * Under a user namespace, a named volume is first given to the remapped root (userns.ts).
   */
  async mountVolumes(_id: string, mounts: readonly VolumeMount[]): Promise<void> {
    if (this.remap) await chownNamedVolumes(mounts, this.remap);
  }

  /** Releasing them means making sure the process is gone (unregister-process runs first). Named volumes persist. */
  async unmountVolumes(id: string): Promise<void> {
    await proc.requireNoProcess(this.layout, id, 'release its volumes');
  }

  // --- process (conmon-start.ts, process.ts, shim.ts) ---------------------------------------------------------

  startProcess(id: string, ctx?: StepContext): Promise<{ pid: number }> {
    return startProcess(this.layout, id, ctx);
  }

  /**
   * Thaw (a frozen process cannot die), kill the registered execs, then kill, wait, runc delete --force, drop
   * the exec record. Idempotent; fine when nothing was started.
   */
  async unregisterProcess(id: string, ctx?: StepContext): Promise<void> {
    if (await isFrozen(this.layout, id)) await runcResume(this.layout, id);
    await releaseExecs(this.layout, id, ctx);
    await proc.unregisterProcess(this.layout, id, ctx);
  }

  // --- kill, pause, exec (freezer.ts, exec-process.ts) -------------------------------------------------------

  signalProcess(id: string, signal: number): Promise<boolean> {
    return runcKill(this.layout, id, signal);
  }

  pauseProcess(id: string): Promise<void> {
    return runcPause(this.layout, id);
  }

  resumeProcess(id: string): Promise<void> {
    return runcResume(this.layout, id);
  }
  readonly processIds: Driver['processIds'] = (id) => cgroupPids(this.layout, id);

  /** `runc exec --process` under a detached shim of its own; its output to the exec's files. */
  runExec(id: string, plan: ExecPlan, ctx?: ExecContext): Promise<ExecOutcome> {
    return runExec(this.layout, id, plan, ctx);
  }

  releaseExec(id: string, execId: string, ctx?: StepContext): Promise<void> {
    return releaseExec(this.layout, id, execId, ctx);
  }

  /** Cheap: the exit file and /proc. A process still being started counts as running. */
  async probeProcess(id: string): Promise<ProcessProbe> {
    const st = await proc.probeProcess(this.layout, id);
    if (st.kind === 'running' || st.kind === 'pending') return { kind: 'running' };
    return st.kind === 'exited'
      ? st
      : { kind: 'exited', code: proc.UNKNOWN_EXIT, at: new Date().toISOString(), oomKilled: false };
  }

  /**
   * What probeProcess reads besides /proc: the exec record, runc's pid file, conmon's exit status in the current
   * attempt's directory (and the previous release's shim's exit file). A process whose conmon was killed too
   * exits without a write to any of them.
   */
  processStateFiles(id: string): string[] {
    const l = this.layout;
    return [l.execRecord(id), l.pidFile(id), l.exitFile(id), ...proc.currentAttemptExitFile(l, id)];
  }

  /**
   * SIGTERM, SIGKILL after timeoutSeconds, wait; the exit code from the shim's exit file, else 128+signal.
   * (The container's process is PID 1 of its namespace: without a handler it ignores SIGTERM, as under Docker.)
   */
  terminate(id: string, timeoutSeconds: number, ctx?: StepContext, signal?: number): Promise<number> {
    return proc.terminate(this.layout, id, timeoutSeconds, ctx, signal);
  }

  /** The container's own files, once everything is released (never through a mount). */
  removeContainerFiles(id: string): Promise<void> {
    return removeContainerFiles(this.layout, id);
  }

  heldResources(): Promise<HeldResource[]> {
    return heldResources(this.root);
  }
}
