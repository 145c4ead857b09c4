import type { HostStepName, ReleaseName } from '../common/steps';
import type { ContainerRecord, StartOwner } from '../common/types';
import type {
  ExecInput,
  ExecOutputInput,
  ExecOutputResult,
  ExecResult,
  KillResult,
  PauseResult,
} from '../common/verbs-api';
import * as logs from './container-logs';
import type { ContainerRuntime, GcReport, StepContext, StopResult } from './contract';
import type { Driver } from './driver';
import * as exec from './exec';
import { HostRecords, type HostRuntimeConfig } from './host-records';
import type { LogPage, LogPageOptions } from './logs';
import * as pausing from './pause';
import { acquireStep, releaseStep, type AcquireRequests, type AcquireResults, type StepEnv } from './steps';
import * as teardown from './teardown';
import { removeAnonymousVolumes } from '../volumes/anonymous';

export type { HostRuntimeConfig } from './host-records';

/**
 * The runtime of one host: its records (host-records.ts), the host steps of the table (runtime/steps/) with
 * the hooks it was given around them, and the lifecycle outside the start saga (teardown, pause, exec, logs),
 * over one driver that does the system work. Like libcontainer under Docker, a library with no Temporal in
 * it; the activities adapt it to the saga. The helpers get what they need of it (host-parts.ts), not it.
 */
export class HostRuntime extends HostRecords implements ContainerRuntime {
  private readonly env: StepEnv;

  constructor(driver: Driver, config: HostRuntimeConfig) {
    super(driver, config);
    this.env = {
      store: this.store,
      driver,
      images: this.images,
      networks: this.networks,
      lookup: (ref) => this.lookup(ref),
      bindAllow: config.bindAllow,
    };
  }

  // --- host steps (common/steps.ts, runtime/steps/) and mark-running, inside the hooks ---------------------------

  acquire<N extends HostStepName>(step: N, req: AcquireRequests[N], ctx?: StepContext): Promise<AcquireResults[N]> {
    const call = () => acquireStep(this.env, step, req, ctx);
    return this.config.hooks ? this.config.hooks.around(step, req.id, ctx, call) : call();
  }

  release(release: ReleaseName, id: string, ctx?: StepContext): Promise<void> {
    const call = () => releaseStep(this.env, release, id, ctx);
    return this.config.hooks ? this.config.hooks.around(release, id, ctx, call) : call();
  }

  async markRunning(id: string, pid: number, by?: StartOwner): Promise<ContainerRecord> {
    const mark = () => this.records.markRunning(id, pid, by);
    return this.withNode(
      await (this.config.hooks ? this.config.hooks.around('mark-running', id, undefined, mark) : mark()),
    );
  }

  // --- teardown (teardown.ts) ------------------------------------------------------------------------------------

  releaseAll(id: string, ctx?: StepContext): Promise<string[]> {
    return teardown.releaseAll(this, id, ctx);
  }

  stop(id: string, timeoutSeconds: number, ctx?: StepContext): Promise<StopResult> {
    return teardown.stop(this, id, timeoutSeconds, ctx);
  }

  /** `volumes` (rm -v, AutoRemove): its anonymous volumes go with it (volumes/anonymous.ts) */
  async remove(id: string, force: boolean, ctx?: StepContext, volumes = false): Promise<void> {
    const rec = volumes ? await this.store.read(id) : undefined;
    await teardown.remove(this, id, force, ctx);
    if (rec)
      await removeAnonymousVolumes(
        { volumes: this.volumes, list: () => this.store.list(), volumeEvent: (a, n) => this.volumeEvent(a, n) },
        rec,
      );
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

  // --- the container's output (container-logs.ts) ----------------------------------------------------------------

  logPage(id: string, opts?: LogPageOptions): Promise<LogPage> {
    return logs.logPage(this, id, opts);
  }

  keepLogForReaders(id: string): Promise<void> {
    return logs.keepLogForReaders(this, id);
  }

  logs(id: string): Promise<string> {
    return logs.wholeLog(this, id);
  }
}
