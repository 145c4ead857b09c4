import type { LinkTarget } from '../common/env';
import { ContainerError } from '../common/errors';
import type { HostInfo } from '../common/settings';
import type { HostStepName, ReleaseName } from '../common/steps';
import type { ContainerEvent, ContainerRecord, CreateRequest, HostConfig, ImageInfo, StartOwner } from '../common/types';
import { claimStart, releaseStart } from './claim';
import type { ContainerRuntime, GcReport, HeldResource, StepContext, StopResult } from './contract';
import { checkBindPolicy } from './bind-policy';
import { checkCreateRequest, newContainerRecord } from './create';
import type { Driver } from './driver';
import { FAULT_LABEL } from './fault-label';
import { linkedContainers } from './links';
import type { ExecInput, ExecOutputInput, ExecOutputResult, ExecResult, KillResult, PauseResult } from '../common/verbs-api';
import * as exec from './exec';
import { LOG_LOCK, sampleLog } from './log-index';
import { readLogPage, type LogPage, type LogPageOptions } from './logs';
import { keepRemovedLog, removedLogFile, sweepRemovedLogs } from './removed-logs';
import * as pausing from './pause';
import { Records } from './records';
import { acquireStep, releaseStep, type AcquireRequests, type AcquireResults, type StepEnv } from './steps';
import { StateStore } from './store';
import type { StepHooks } from './step-hooks';
import * as teardown from './teardown';

/** What a host's runtime is told when it is made; it reads nothing from the environment itself. */
export interface HostRuntimeConfig {
  /** the host this runtime is (CONTAINER_SAGA_HOST): its containers' records name it (common/hosts-api.ts) */
  readonly host: string;
  /** host directories bind mounts may come from (CONTAINER_SAGA_BIND_ALLOW); undefined: any */
  readonly bindAllow?: readonly string[];
  /**
   * Fault injection is a test feature: only a worker that enabled it (CONTAINER_SAGA_ALLOW_FAULTS=1, tests,
   * the demo) accepts containers carrying the fault label; elsewhere a create with it is refused (400).
   */
  readonly faultsAllowed?: boolean;
  /** around every host step, release and mark-running (the worker's fault injection, the bench's clock) */
  readonly hooks?: StepHooks;
}

/**
 * The runtime of one host: the records (state store, events, the start claim), the host steps of the table
 * (runtime/steps/) and teardown, over one driver that does the system work. Like libcontainer under Docker,
 * a library with no Temporal in it; the activities adapt it to the saga.
 */
export class HostRuntime implements ContainerRuntime {
  readonly store: StateStore;
  readonly records: Records;
  private readonly hooks: StepHooks | undefined;
  private readonly env: StepEnv;

  constructor(readonly driver: Driver, readonly config: HostRuntimeConfig) {
    this.store = new StateStore(driver.root);
    this.records = new Records(this.store);
    this.hooks = config.hooks;
    this.env = { store: this.store, driver, lookup: (ref) => this.lookup(ref), bindAllow: config.bindAllow };
  }

  /** the host this runtime is: its containers' records name it */
  get hostName(): string {
    return this.config.host;
  }

  get kind(): Driver['kind'] {
    return this.driver.kind;
  }

  get root(): string {
    return this.driver.root;
  }

  hostInfo(): Promise<HostInfo> {
    return this.driver.hostInfo();
  }

  // --- records ------------------------------------------------------------------------------------------------

  async create(req: CreateRequest): Promise<ContainerRecord> {
    if (!this.config.faultsAllowed && req.labels && Object.hasOwn(req.labels, FAULT_LABEL)) {
      throw new ContainerError('InvalidParameter', `the label ${FAULT_LABEL} is for fault injection, which this worker does not allow (start it with CONTAINER_SAGA_ALLOW_FAULTS=1)`);
    }
    await this.store.init();
    const hostConfig = checkCreateRequest(req, await this.driver.hostInfo());
    await checkBindPolicy(hostConfig.Binds, this.config.bindAllow);
    await this.driver.checkImage(req.image);
    const rec = newContainerRecord(req, hostConfig, await this.store.list());
    await this.store.write(rec);
    await this.records.appendEvent(rec.Id, rec, 'create', { image: req.image });
    return this.withNode(rec);
  }

  async lookup(ref: string): Promise<ContainerRecord> {
    return this.withNode(await this.refresh(await this.store.lookup(ref)));
  }

  async list(): Promise<ContainerRecord[]> {
    return Promise.all((await this.store.list()).map(async (r) => this.withNode(await this.refresh(r))));
  }

  /**
   * The record as clients see it names its host (classic Swarm's `Node`): a state root is one host's, so every
   * record in it belongs to this runtime's host, records written before many hosts included.
   */
  private withNode(rec: ContainerRecord): ContainerRecord {
    return { ...rec, Node: { ID: this.config.host, Name: this.config.host } };
  }

  /** Whether the image is on this host (placement asks each host). */
  async hasImage(image: string): Promise<boolean> {
    try {
      await this.driver.checkImage(image);
      return true;
    } catch (err) {
      if (err instanceof ContainerError && err.type === 'NoSuchImage') return false;
      throw err;
    }
  }

  /**
   * A record says Running: ask the driver (cheaply) whether its process still runs; when it has exited, the
   * record says so and `die` is emitted. Resources stay held until stop/rm (or gc) releases them, as Docker's
   * do until Cleanup.
   */
  private async refresh(rec: ContainerRecord): Promise<ContainerRecord> {
    if (!rec.State.Running) return rec;
    const probe = await this.driver.probeProcess(rec.Id);
    if (probe.kind === 'running') return rec;
    try {
      return await this.records.markExited(rec, probe.code, probe.at, probe.oomKilled);
    } catch (err) {
      if (err instanceof ContainerError && err.type === 'NoSuchContainer') return rec;
      throw err;
    }
  }

  events(since: number, limit?: number): Promise<{ events: ContainerEvent[]; next: number; more: boolean }> {
    return this.store.events(since, limit);
  }

  emitEvent(id: string, action: ContainerEvent['action'], attributes?: Record<string, string>): Promise<void> {
    return this.records.emitEvent(id, action, attributes);
  }

  emitEventOnce(id: string, key: string, action: ContainerEvent['action'], attributes?: Record<string, string>): Promise<void> {
    return this.records.emitEventOnce(id, key, action, attributes);
  }

  setHostConfig(id: string, hostConfig: HostConfig): Promise<void> {
    return this.records.setHostConfig(id, hostConfig);
  }

  claimStart(id: string, owner: StartOwner, isAlive: (o: StartOwner) => Promise<boolean>): Promise<ContainerRecord> {
    return claimStart(this.store, id, owner, isAlive);
  }

  releaseStart(id: string, owner: StartOwner): Promise<void> {
    return releaseStart(this.store, id, owner);
  }

  linkedContainers(id: string): Promise<LinkTarget[]> {
    return linkedContainers(this.store, id);
  }

  async markRunning(id: string, pid: number, by?: StartOwner): Promise<ContainerRecord> {
    const mark = () => this.records.markRunning(id, pid, by);
    return this.withNode(await (this.hooks ? this.hooks.around('mark-running', id, undefined, mark) : mark()));
  }

  markFailed(id: string, error: string, exitCode: number): Promise<void> {
    return this.records.markFailed(id, error, exitCode);
  }

  recordLeftovers(id: string, leftovers: string[]): Promise<ContainerRecord> {
    return this.records.recordLeftovers(id, leftovers);
  }

  // --- host steps (common/steps.ts, runtime/steps/) ------------------------------------------------------------

  acquire<N extends HostStepName>(step: N, req: AcquireRequests[N], ctx?: StepContext): Promise<AcquireResults[N]> {
    const call = () => acquireStep(this.env, step, req, ctx);
    return this.hooks ? this.hooks.around(step, req.id, ctx, call) : call();
  }

  release(release: ReleaseName, id: string, ctx?: StepContext): Promise<void> {
    const call = () => releaseStep(this.env, release, id, ctx);
    return this.hooks ? this.hooks.around(release, id, ctx, call) : call();
  }

  // --- teardown (teardown.ts) ------------------------------------------------------------------------------------

  releaseAll(id: string, ctx?: StepContext): Promise<string[]> {
    return teardown.releaseAll(this, id, ctx);
  }

  stop(id: string, timeoutSeconds: number, ctx?: StepContext): Promise<StopResult> {
    return teardown.stop(this, id, timeoutSeconds, ctx);
  }

  remove(id: string, force: boolean, ctx?: StepContext): Promise<void> {
    return teardown.remove(this, id, force, ctx);
  }

  gc(isStarting: (rec: ContainerRecord) => Promise<boolean>, ctx?: StepContext): Promise<GcReport> {
    return teardown.gc(this, isStarting, ctx);
  }

  // --- kill, pause, unpause, exec (pause.ts, exec.ts) -----------------------------------------------------------

  kill(ref: string, signal?: string): Promise<KillResult> {
    return pausing.kill(this, ref, signal);
  }

  pause(ref: string): Promise<PauseResult> {
    return pausing.pause(this, ref);
  }

  unpause(ref: string): Promise<PauseResult> {
    return pausing.unpause(this, ref);
  }

  createExec(input: ExecInput): Promise<{ containerId: string; execId: string }> {
    return exec.createExec(this, input);
  }

  runExec(containerId: string, execId: string, input: ExecInput, ctx?: StepContext): Promise<ExecResult> {
    return exec.runExec(this, containerId, execId, input, ctx);
  }

  readExecOutput(input: ExecOutputInput): Promise<ExecOutputResult> {
    return exec.readExecOutput(this, input);
  }

  // --- the driver's own ------------------------------------------------------------------------------------------

  /**
   * One bounded page of the container's output (logs.ts), across its rotated files. The log is sampled first
   * (log-index.ts), so the page's timestamps cover what the container wrote since the monitor's last poll.
   */
  async logPage(id: string, opts: LogPageOptions = {}): Promise<LogPage> {
    const live = this.driver.layout.log(id);
    try {
      await this.store.get(id);
    } catch (err) {
      // removed by its monitor after its exit (AutoRemove): its output stays readable a short while
      const kept = await removedLogFile(this.root, id, live);
      if (kept && err instanceof ContainerError && err.type === 'NoSuchContainer') return readLogPage(kept, opts);
      throw err;
    }
    return this.store.withLock(id, async () => {
      // moved aside under this lock by keepLogForReaders, before the container's directory goes
      const file = (await removedLogFile(this.root, id, live)) ?? live;
      if (file === live) await sampleLog(file);
      return readLogPage(file, opts);
    }, LOG_LOCK);
  }

  /**
   * Before an automatic removal (docker run --rm): moves the container's log aside for the clients still
   * reading it (removed-logs.ts), under the log lock so no page is read half before and half after, and
   * sweeps kept logs that are old enough.
   */
  async keepLogForReaders(id: string): Promise<void> {
    await this.store.withLock(id, () => keepRemovedLog(this.root, id, this.driver.layout.log(id)), LOG_LOCK);
    await sweepRemovedLogs(this.root);
  }

  /** The whole output at once, rotated files included: for small logs (tests); clients page with logPage. */
  async logs(id: string): Promise<string> {
    let page = await this.logPage(id);
    let text = page.text;
    while (page.more) {
      page = await this.logPage(id, { cursor: page.next });
      text += page.text;
    }
    return text;
  }

  async importImage(name: string, source: string): Promise<ImageInfo> {
    try {
      return await this.driver.importImage(name, source);
    } catch (err) {
      // a name the input check let through that still makes too long a file name (the Linux driver escapes it)
      if ((err as NodeJS.ErrnoException).code === 'ENAMETOOLONG') throw new ContainerError('InvalidParameter', `invalid reference format: ${name} is too long a name for an image here`);
      throw err;
    }
  }

  listImages(): Promise<ImageInfo[]> {
    return this.driver.listImages();
  }

  heldResources(): Promise<HeldResource[]> {
    return this.driver.heldResources();
  }
}
