import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError } from '../../common/errors';
import { needsOwnIpc, parseIpcMode, parseNetMode } from '../../common/net-mode';
import { parseSecurityOpts } from '../../common/security-opt';
import type { HostInfo } from '../../common/settings';
import { DEFAULT_SHM_SIZE, type ContainerRecord, type ImageInfo, type NetworkSettings } from '../../common/types';
import { BaseRuntime } from '../base';
import type { HeldResource, SpecRequest, StepContext } from '../contract';
import { exists, readJson, sleep, writeJsonAtomic } from '../fsutil';
import { mkdirInRoot } from '../rootfs-path';
import { cniAdd, cniDel, ipamAllocations, settingsFromResult, type CniNetwork, type CniResult } from './cni';
import { hostnameFile, hostsFile, resolvConf } from './etc-files';
import { linuxHostInfo } from './hostinfo';
import * as images from './images';
import { Layout, netnsName, netnsPath, short } from './layout';
import { mountAt, mountsUnder, readMountInfo } from './mountinfo';
import { ensurePrivateRoot, mountOverlay, mountTmpfs, unmount } from './mounts';
import { deleteNetns, ensureNetns, netnsExists, netnsMounted } from './netns';
import { heldResources } from './probe';
import { classifyStartError, lastRuncError, runcDelete } from './runc';
import { isLive, procStat, readIntFile, spawnShim, type ExecRecord, type ShimFiles } from './shim';
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

const NO_NETWORK: NetworkSettings = { IPAddress: '', IPPrefixLen: 0, Gateway: '', MacAddress: '', SandboxKey: '' };
/** Poll interval while waiting on the shim / a process: short, the files appear within milliseconds. */
const POLL_MS = 2;
/** Exit code recorded when a process is gone and nobody recorded its status (its shim was killed too). */
const UNKNOWN_EXIT = 255;

type ProcState =
  | { kind: 'running'; pid: number; pidStart: number | undefined }
  | { kind: 'pending'; shimPid: number } // the shim runs, the container process does not (starting, or just exited)
  | { kind: 'exited'; code: number; at: string }
  | { kind: 'none' };

/** Writes a bundle file: temp + rename (readers never see half a file), no fsync (a retry rewrites it). */
async function writeFileReplace(file: string, data: string, mode = 0o644): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, data, { mode });
  await fs.rename(tmp, file);
}

/**
 * The exec record: replaced atomically (rename) but not fsynced. It describes processes, which a worker crash
 * leaves running (the page cache survives it) and a machine crash ends (a lost record then describes nothing).
 */
function writeExecRecord(file: string, rec: ExecRecord): Promise<void> {
  return writeFileReplace(file, `${JSON.stringify(rec)}\n`, 0o600);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/**
 * The real driver: overlayfs rootfs, named netns + CNI bridge (in a project-owned host-side namespace), an
 * OCI bundle run by runc under a detached shim, volumes mounted by runc inside the container. Every resource
 * is named after the container ID (runtime/linux/layout.ts), so every step adopts what an earlier attempt left
 * and every release finds what there is to release.
 */
export class LinuxRuntime extends BaseRuntime {
  readonly kind = 'linux' as const;
  readonly layout: Layout;
  readonly network: CniNetwork;

  constructor(root: string, opts: LinuxRuntimeOptions = {}) {
    super(root);
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
    const st = await this.probeProcess(rec.Id);
    if (st.kind === 'running' || st.kind === 'pending') return rec;
    const exitCode = st.kind === 'exited' ? st.code : UNKNOWN_EXIT;
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
    await this.requireNoProcess(id, 'unmount its rootfs');
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
        await this.ownNetns(id);
        settings = { ...NO_NETWORK, SandboxKey: netnsPath(netnsName(id)) };
        break;
      case 'bridge':
        settings = await this.bridgeNetwork(id, ctx);
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

  /** The container's own netns (lo up), with an ownership marker written first so a sweep finds it. */
  private async ownNetns(id: string): Promise<{ created: boolean }> {
    const name = netnsName(id);
    await fs.mkdir(this.layout.netnsMarkers, { recursive: true });
    await fs.writeFile(this.layout.netnsMarker(name), id);
    return ensureNetns(name, { reassertLo: true });
  }

  /**
   * bridge: netns + CNI ADD. Adopts a complete earlier ADD (result stored, netns present). After a partial
   * one (netns left, or a result whose netns is gone), DEL first so the ADD starts clean.
   */
  private async bridgeNetwork(id: string, ctx?: StepContext): Promise<NetworkSettings> {
    const nsPath = netnsPath(netnsName(id));
    const [prev, mounts] = await Promise.all([readJson<CniResult>(this.layout.cniResult(id)), readMountInfo()]);
    if (prev && netnsMounted(netnsName(id), mounts)) return settingsFromResult(prev, nsPath);
    if (!netnsMounted(this.network.hostNetns, mounts)) await ensureNetns(this.network.hostNetns, { reassertLo: false });
    const { created } = await this.ownNetns(id);
    if (!created || prev) {
      ctx?.progress?.('CNI DEL of an earlier partial ADD');
      await cniDel(this.network, id, nsPath, prev);
      await fs.rm(this.layout.cniResult(id), { force: true });
    }
    ctx?.progress?.('CNI ADD');
    const result = await cniAdd(this.network, id, nsPath);
    await writeJsonAtomic(this.layout.cniResult(id), result);
    return settingsFromResult(result, nsPath);
  }

  /**
   * CNI DEL (with the stored ADD result as prevResult), then the netns, only once DEL succeeded. DEL runs
   * whenever an ADD may have allocated something: a stored result or a host-local allocation for this ID
   * (read from the IPAM dataDir, not from a flag). Without either there is nothing for DEL to free: the veth
   * of a cut-short ADD lives in the container's netns and goes with it.
   */
  async releaseNetwork(id: string, ctx?: StepContext): Promise<void> {
    await this.requireNoProcess(id, 'release its network');
    const name = netnsName(id);
    const prev = await readJson<CniResult>(this.layout.cniResult(id));
    const allocated = (await ipamAllocations(this.layout.ipamDir)).some((a) => a.containerId === id);
    if (prev || allocated) {
      ctx?.progress?.('CNI DEL');
      await ensureNetns(this.network.hostNetns, { reassertLo: false });
      await cniDel(this.network, id, (await netnsExists(name)) ? netnsPath(name) : '', prev);
      await fs.rm(this.layout.cniResult(id), { force: true });
    }
    await deleteNetns(name);
    await fs.rm(this.layout.netnsMarker(name), { force: true });
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
    await this.requireNoProcess(id, 'unmount its IPC tmpfs');
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
    await this.requireNoProcess(id, 'release its volumes');
  }

  // --- step 14: the process -------------------------------------------------------------------------------

  private shimFiles(id: string): ShimFiles {
    const l = this.layout;
    return { runcRoot: l.runcRoot, bundle: l.bundle(id), pidFile: l.pidFile(id), exitFile: l.exitFile(id), runcLog: l.runcLog(id), log: l.log(id), attemptFile: l.attemptFile(id) };
  }

  /** What the files and /proc say about the container's process. */
  private async probeProcess(id: string): Promise<ProcState> {
    const l = this.layout;
    const [exec, pid, code] = await Promise.all([readJson<ExecRecord>(l.execRecord(id)).catch(() => undefined), readIntFile(l.pidFile(id)), readIntFile(l.exitFile(id))]);
    const exited = async (c: number): Promise<ProcState> => ({ kind: 'exited', code: c, at: (await fs.stat(l.exitFile(id)).catch(() => undefined))?.mtime.toISOString() ?? new Date().toISOString() });
    if (code !== undefined) return exited(code);
    const pidStart = exec?.pid === pid ? exec?.pidStart : undefined;
    if (pid !== undefined && (await isLive(pid, pidStart))) return { kind: 'running', pid, pidStart: pidStart ?? (await procStat(pid))?.start };
    if (exec?.shimPid !== undefined && (await isLive(exec.shimPid, exec.shimStart))) return { kind: 'pending', shimPid: exec.shimPid };
    const late = await readIntFile(l.exitFile(id)); // written between the reads above
    return late !== undefined ? exited(late) : { kind: 'none' };
  }

  /** Refuses (Internal, retryable) while the container's process or its shim still runs. */
  private async requireNoProcess(id: string, what: string): Promise<void> {
    const st = await this.probeProcess(id);
    if (st.kind === 'running' || st.kind === 'pending') {
      throw new ContainerError('Internal', `cannot ${what}: the process of container ${short(id)} still runs (unregister it first)`);
    }
  }

  async startProcess(id: string, ctx?: StepContext): Promise<{ pid: number }> {
    const rec = await this.store.get(id);
    if (rec.Config.Cmd.length === 0) throw new ContainerError('StartFailed', 'No command specified', { retryable: false });
    const l = this.layout;
    const st = await this.probeProcess(id);
    if (st.kind === 'running') return this.recordPid(id, st.pid, st.pidStart); // an earlier attempt's process: adopt it
    if (st.kind === 'pending') {
      const exec = await readJson<ExecRecord>(l.execRecord(id));
      return this.waitForStart(id, { pid: st.shimPid, start: exec?.shimStart }, undefined, Promise.resolve(), ctx);
    }
    // Nothing runs: clear what an earlier attempt left (a stopped or created-but-dead runc container, its files).
    if (!(await exists(path.join(l.bundle(id), 'config.json')))) {
      throw new ContainerError('Internal', `start ${short(id)}: the bundle has no config.json (writeSpec has not run)`);
    }
    const attempt = randomBytes(8).toString('hex');
    await fs.writeFile(l.attemptFile(id), `${attempt}\n`); // first: an older attempt's shim can no longer report
    const [, , logStat] = await Promise.all([
      runcDelete(l.runcRoot, id),
      Promise.all([l.pidFile(id), l.exitFile(id), l.runcLog(id)].map((f) => fs.rm(f, { force: true }))),
      fs.stat(l.log(id)).catch(() => undefined),
    ]);
    const shimPid = await spawnShim(id, attempt, this.shimFiles(id));
    const shimStart = (await procStat(shimPid))?.start;
    // recorded while runc starts the container: the wait does not need the record, only its completion
    const recorded = writeExecRecord(l.execRecord(id), { attempt, shimPid, shimStart, startedAt: new Date().toISOString() });
    return this.waitForStart(id, { pid: shimPid, start: shimStart }, logStat?.size ?? 0, recorded, ctx);
  }

  /**
   * Waits until runc has written the pid file (the process runs) or the shim has written an exit status
   * without one (the start failed: runc's error, classified as Docker does).
   */
  private async waitForStart(
    id: string,
    shim: { pid: number; start: number | undefined },
    logSize: number | undefined,
    recorded: Promise<void>,
    ctx?: StepContext,
  ): Promise<{ pid: number }> {
    const l = this.layout;
    const began = Date.now();
    let beat = began;
    const started = async (pid: number) => {
      await recorded;
      return this.recordPid(id, pid, (await procStat(pid))?.start);
    };
    const failed = async (code: number) => {
      await recorded;
      return this.startError(id, code, logSize);
    };
    for (;;) {
      const [pid, code] = await Promise.all([readIntFile(l.pidFile(id)), readIntFile(l.exitFile(id))]);
      if (pid !== undefined) return started(pid);
      if (code !== undefined) throw await failed(code);
      if (!(await isLive(shim.pid, shim.start))) {
        const lastPid = await readIntFile(l.pidFile(id));
        if (lastPid !== undefined) return started(lastPid);
        const lastCode = await readIntFile(l.exitFile(id));
        if (lastCode !== undefined) throw await failed(lastCode);
        await recorded;
        throw new ContainerError('Internal', `start ${short(id)}: the shim exited without starting the container or reporting a status`);
      }
      const now = Date.now();
      if (now - began > 60_000) {
        await recorded;
        throw new ContainerError('Internal', `start ${short(id)}: the container process did not start within 60 s`);
      }
      if (now - beat >= 1000) {
        beat = now;
        ctx?.progress?.('waiting for the container process to start');
      }
      await sleep(POLL_MS);
    }
  }

  private async recordPid(id: string, pid: number, pidStart: number | undefined): Promise<{ pid: number }> {
    const file = this.layout.execRecord(id);
    const exec = await readJson<ExecRecord>(file);
    if (!exec || exec.pid !== pid) await writeExecRecord(file, { ...(exec ?? { attempt: '', startedAt: new Date().toISOString() }), pid, pidStart });
    return { pid };
  }

  /** The start error runc logged; the container log loses the lines this failed attempt wrote to it. */
  private async startError(id: string, code: number, logSize: number | undefined): Promise<ContainerError> {
    const l = this.layout;
    const logged = lastRuncError(await fs.readFile(l.runcLog(id), 'utf8').catch(() => ''));
    if (logSize !== undefined) await fs.truncate(l.log(id), logSize).catch(() => {});
    return classifyStartError(logged || `runc exited with status ${code} before starting the container`);
  }

  /** Waits while the shim is between states (starting, or cleaning up after its container). */
  private async settle(id: string, timeoutMs: number, ctx?: StepContext): Promise<ProcState> {
    const until = Date.now() + timeoutMs;
    let beat = Date.now();
    for (;;) {
      const st = await this.probeProcess(id);
      if (st.kind !== 'pending' || Date.now() > until) return st;
      if (Date.now() - beat >= 1000) {
        beat = Date.now();
        ctx?.progress?.('waiting for the shim');
      }
      await sleep(POLL_MS);
    }
  }

  /** Waits until pid is gone; false on timeout. */
  private async waitGone(pid: number, start: number | undefined, timeoutMs: number, ctx?: StepContext, note = 'waiting for the process to exit'): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    let beat = Date.now();
    while (await isLive(pid, start)) {
      if (Date.now() >= until) return false;
      if (Date.now() - beat >= 1000) {
        beat = Date.now();
        ctx?.progress?.(note);
      }
      await sleep(5);
    }
    return true;
  }

  /** Kill, wait, runc delete --force, drop the exec record. Idempotent; fine when nothing was started. */
  async unregisterProcess(id: string, ctx?: StepContext): Promise<void> {
    const l = this.layout;
    let st = await this.probeProcess(id);
    if (st.kind === 'pending') st = await this.settle(id, 10_000, ctx);
    if (st.kind === 'running') {
      signal(st.pid, 'SIGKILL');
      if (!(await this.waitGone(st.pid, st.pidStart, 30_000, ctx))) {
        throw new ContainerError('Internal', `unregister ${short(id)}: pid ${st.pid} survived SIGKILL`);
      }
    }
    // Let the shim finish: runc run deletes its container and cgroup, then the status is written.
    const exec = await readJson<ExecRecord>(l.execRecord(id)).catch(() => undefined);
    if (exec?.shimPid !== undefined && !(await this.waitGone(exec.shimPid, exec.shimStart, 5_000, ctx, 'waiting for the shim'))) {
      signal(-exec.shimPid, 'SIGKILL'); // its own session and process group: sh and runc
      await this.waitGone(exec.shimPid, exec.shimStart, 5_000, ctx);
    }
    await runcDelete(l.runcRoot, id);
    await Promise.all([l.execRecord(id), l.pidFile(id), l.attemptFile(id)].map((f) => fs.rm(f, { force: true })));
  }

  /**
   * SIGTERM, SIGKILL after timeoutSeconds, wait; the exit code from the shim's exit file, else 128+signal.
   * (The container's process is PID 1 of its namespace: without a handler it ignores SIGTERM, as under Docker.)
   */
  protected async terminate(id: string, timeoutSeconds: number, ctx?: StepContext): Promise<number> {
    let st = await this.probeProcess(id);
    if (st.kind === 'pending') st = await this.settle(id, 10_000, ctx);
    if (st.kind === 'exited') return st.code;
    if (st.kind !== 'running') return UNKNOWN_EXIT;
    let sent = 15;
    signal(st.pid, 'SIGTERM');
    if (!(await this.waitGone(st.pid, st.pidStart, Math.max(0, timeoutSeconds) * 1000, ctx))) {
      sent = 9;
      signal(st.pid, 'SIGKILL');
      if (!(await this.waitGone(st.pid, st.pidStart, 30_000, ctx))) {
        throw new ContainerError('Internal', `stop ${short(id)}: pid ${st.pid} survived SIGKILL`);
      }
    }
    const after = await this.settle(id, 5_000, ctx);
    return after.kind === 'exited' ? after.code : 128 + sent;
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
    await fs.rm(path.join(this.root, 'faults', `${id}.json`), { force: true });
  }

  async logs(id: string): Promise<string> {
    await this.store.get(id);
    return fs.readFile(this.layout.log(id), 'utf8').catch(() => '');
  }

  heldResources(): Promise<HeldResource[]> {
    return heldResources(this.root);
  }
}
