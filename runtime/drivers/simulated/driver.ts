import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ContainerError } from '../../../common/errors';
import type { HostInfo } from '../../../common/settings';
import type { HeldResource, StepContext } from '../../contract';
import type {
  BridgeAttachment,
  Driver,
  EndpointAddress,
  NetnsResult,
  ExecContext,
  ExecOutcome,
  ExecPlan,
  NetnsPlan,
  ProcessProbe,
  SpecPlan,
  VolumeMount,
  RootfsPlan,
} from '../../driver';
import { execPaths } from '../../exec-layout';
import { exists, removeFile, writeJsonAtomic } from '../../fsutil';
import { Layout, netnsName, netnsPath } from '../layout';
import { mkdirInRoot } from '../../rootfs-path';
import { simulatedSpec } from './spec';
import { StateStore } from '../../store';
import { SimMounts } from './mounts';
import { SimProcesses } from './processes';
import { SimPorts } from './ports';
import type { PortRequest, PublishedPort } from '../../../common/ports';
import { SIM_DEFAULT_SUBNET, SimNetworks } from './network';

/**
 * The simulated driver: the same contract as the Linux driver, without root. Side effects are records on disk under
 * <root>/sim (mounts, netns, IP allocations, host ports (ports.ts), processes), named as the Linux driver names
 * them (the same Layout), so leaks are checkable; the rootfs is a plain directory so working-dir rules are real.
 * Images are not needed: any image name is accepted. The records of its mounts (mounts.ts), processes and execs
 * (processes.ts) and images (images.ts) live beside it. Its processes run until stopped and print nothing (a test
 * may write their log at layout.log(id), where it is read from), except commands that end at once, as they would
 * (script.ts): `true` (0), `false` (1) and `sh -c` of `echo …`, `echo … >&2` and `exit N` (N), which print to the
 * log as conmon would (k8s-file, stdout and stderr apart) — enough to drive exits, restart policies and logs
 * without root. A signal whose default action ends a process ends one (exit 128+N), pause and unpause only mark it
 * frozen. An exec is registered (its record under the container, as the Linux driver's) and ends at once with no
 * output: exit 0, or N for `sh -c "exit N"`, the one command it interprets. Nothing runs, so nothing here can hang
 * or leak a process.
 */
export class SimulatedDriver implements Driver {
  readonly kind = 'simulated' as const;
  readonly layout: Layout;
  readonly defaultSubnet = SIM_DEFAULT_SUBNET;
  private readonly sim: string;
  /** only for the per-container locks that order this driver's own records (mounts, IPAM) */
  private readonly locks: StateStore;
  private readonly mounts: SimMounts;
  private readonly processes: SimProcesses;
  private readonly ports: SimPorts;
  private readonly networks: SimNetworks;

  constructor(
    readonly root: string,
    private readonly simOs: 'linux' | 'windows' = 'linux',
  ) {
    this.layout = new Layout(root);
    this.sim = path.join(root, 'sim');
    this.locks = new StateStore(root);
    this.mounts = new SimMounts(this.sim, this.layout, this.locks);
    this.ports = new SimPorts(this.sim, this.locks);
    this.networks = new SimNetworks(this.sim, this.locks);
    this.processes = new SimProcesses(this.sim, this.layout, (id) => this.bundleConfig(id));
  }

  async hostInfo(): Promise<HostInfo> {
    return {
      os: this.simOs,
      cpus: os.cpus().length,
      memoryBytes: os.totalmem(),
      cgroupMemory: true,
      cgroupCpu: true,
      cgroupPids: true,
      // a cgroup v2 host with swap accounting, without AppArmor or SELinux (what the Linux driver meets most)
      cgroupVersion: 2,
      swapLimit: true,
      appArmor: false,
      selinux: false,
    };
  }

  private netnsFile(id: string): string {
    return path.join(this.sim, 'netns', `${id}.json`);
  }

  /** the spec file writeSpec writes (docker update rewrites its resources) */
  bundleConfig(id: string): string {
    return path.join(this.sim, 'bundles', id, 'config.json');
  }

  // --- mounts (mounts.ts): rootfs, ipc, volumes ----------------------------------------------------------------

  async mountRootfs(id: string, plan: RootfsPlan): Promise<{ path: string }> {
    const target = this.layout.rootfs(id);
    await fs.mkdir(target, { recursive: true });
    await this.mounts.add(id, [{ kind: 'rootfs', target, source: plan.image, options: 'overlay' }]);
    return { path: target };
  }

  /** Its rootfs directory holds only what was written (nothing is mounted): cp, diff and export see that. */
  async processRoot(id: string): Promise<string | undefined> {
    return (await this.probeProcess(id)).kind === 'running' ? this.layout.rootfs(id) : undefined;
  }

  async withRootfs<T>(id: string, _plan: RootfsPlan, fn: (rootfs: string) => Promise<T>): Promise<T> {
    await fs.mkdir(this.layout.rootfs(id), { recursive: true });
    return fn(this.layout.rootfs(id));
  }

  upperDir(id: string): string {
    return this.layout.rootfs(id);
  }

  async unmountRootfs(id: string): Promise<void> {
    await this.mounts.drop(id, 'rootfs');
  }

  async setupIpc(id: string, tmpfsOptions: string): Promise<void> {
    await this.mounts.add(id, [{ kind: 'ipc', target: this.layout.shm(id), source: 'shm', options: tmpfsOptions }]);
  }

  async releaseIpc(id: string): Promise<void> {
    await this.mounts.drop(id, 'ipc');
  }

  async mountVolumes(id: string, mounts: readonly VolumeMount[]): Promise<void> {
    await this.mounts.add(
      id,
      mounts.map((m) => ({
        kind: 'volume' as const,
        target: m.destination,
        source: m.name ?? m.source,
        options: m.kind === 'tmpfs' ? (m.options ?? '') : m.readonly ? 'ro' : 'rw',
      })),
    );
  }

  async unmountVolumes(id: string): Promise<void> {
    await this.mounts.drop(id, 'volume');
  }

  // --- network -------------------------------------------------------------------------------------------------

  async connectNetwork(id: string, plan: NetnsPlan): Promise<NetnsResult> {
    await writeJsonAtomic(this.netnsFile(id), { name: netnsName(id) });
    const sandboxKey = netnsPath(netnsName(id));
    if (plan.kind !== 'bridge') return { sandboxKey, addresses: [] };
    const addresses: EndpointAddress[] = [];
    for (const a of plan.attachments ?? [undefined]) addresses.push(await this.networks.allocate(id, a));
    return { sandboxKey, addresses };
  }

  async releaseNetwork(id: string): Promise<void> {
    await this.networks.release(id);
    // The netns goes only after its IPs are released, like CNI DEL before netns delete.
    await removeFile(this.netnsFile(id));
  }

  publishPorts(id: string, _ip: string, requests: readonly PortRequest[]): Promise<PublishedPort[]> {
    return this.ports.publish(id, requests);
  }

  unpublishPorts(id: string): Promise<void> {
    return this.ports.unpublish(id);
  }

  async attachNetwork(id: string, a: BridgeAttachment): Promise<EndpointAddress> {
    if (!(await exists(this.netnsFile(id))))
      throw new ContainerError('Conflict', `container ${id.slice(0, 12)} has no network namespace to connect`);
    return this.networks.allocate(id, a);
  }

  detachNetwork(id: string, cniName: string): Promise<void> {
    return this.networks.release(id, cniName);
  }

  /** No namespace of its own: nothing beside the store's networks. */
  bridgeSideSubnets(): Promise<Array<{ device: string; subnet: string }>> {
    return Promise.resolve([]);
  }

  removeBridge(cniName: string): Promise<void> {
    return this.networks.removeNetwork(cniName);
  }

  // --- working-dir, spec ---------------------------------------------------------------------------------------

  async setupWorkingDir(id: string, dir: string): Promise<void> {
    await mkdirInRoot(this.layout.rootfs(id), dir);
  }

  async writeSpec(id: string, plan: SpecPlan): Promise<void> {
    await writeJsonAtomic(this.bundleConfig(id), await simulatedSpec(plan));
  }

  /** Beside the spec (removed with it), so tests can read what a container's /etc/hosts would list. */
  async writePeerHosts(id: string, lines: readonly string[]): Promise<void> {
    if (await exists(this.bundleConfig(id)))
      await writeJsonAtomic(path.join(path.dirname(this.bundleConfig(id)), 'peer-hosts.json'), lines);
  }

  async removeSpec(id: string): Promise<void> {
    await fs.rm(path.dirname(this.bundleConfig(id)), { recursive: true, force: true });
  }

  // --- the process and its execs (processes.ts) ----------------------------------------------------------------

  startProcess(id: string): Promise<{ pid: number }> {
    return this.processes.start(id);
  }

  unregisterProcess(id: string): Promise<void> {
    return this.processes.unregister(id);
  }

  probeProcess(id: string): Promise<ProcessProbe> {
    return this.processes.probe(id);
  }

  processStateFiles(id: string): string[] {
    return [this.processes.file(id)];
  }

  signalProcess(id: string, signal: number): Promise<boolean> {
    return this.processes.signal(id, signal);
  }

  pauseProcess(id: string): Promise<void> {
    return this.processes.pause(id);
  }

  resumeProcess(id: string): Promise<void> {
    return this.processes.resume(id);
  }
  readonly processIds: Driver['processIds'] = (id) => this.processes.pids(id);

  runExec(id: string, plan: ExecPlan, ctx?: ExecContext): Promise<ExecOutcome> {
    return this.processes.runExec(id, plan, ctx);
  }

  releaseExec(id: string, execId: string): Promise<void> {
    return this.processes.releaseExec(id, execId);
  }

  terminate(id: string, _timeoutSeconds: number, _ctx?: StepContext, signal?: number): Promise<number> {
    return this.processes.terminate(id, signal);
  }

  async removeContainerFiles(id: string): Promise<void> {
    await fs.rm(this.layout.faultCounters(id), { recursive: true, force: true });
  }

  async heldResources(): Promise<HeldResource[]> {
    const held: HeldResource[] = [];
    const ids = async (dir: string) =>
      (await fs.readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
    for (const id of await ids(this.mounts.dir))
      for (const m of await this.mounts.of(id))
        held.push({ kind: 'mount', containerId: id, detail: `${m.kind} ${m.target}` });
    for (const id of await ids(path.join(this.sim, 'netns')))
      held.push({ kind: 'netns', containerId: id, detail: netnsName(id) });
    for (const id of await ids(this.processes.dir))
      held.push({ kind: 'process', containerId: id, detail: 'simulated process' });
    for (const id of await fs.readdir(this.layout.containers).catch(() => [] as string[])) {
      for (const execId of await this.processes.execIds(id)) {
        if (await exists(execPaths(this.layout, id, execId).record))
          held.push({ kind: 'process', containerId: id, detail: `simulated exec ${execId.slice(0, 12)}` });
      }
    }
    held.push(...(await this.networks.held()));
    held.push(...(await this.ports.held()));
    const bundles = await fs.readdir(path.join(this.sim, 'bundles')).catch(() => [] as string[]);
    for (const id of bundles) held.push({ kind: 'bundle', containerId: id, detail: 'bundle' });
    return held;
  }
}
