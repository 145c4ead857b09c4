import {
  releasedNetwork,
  type ContainerEvent,
  type ContainerRecord,
  type HostConfig,
  type StartOwner,
} from '../common/types';
import type { StateStore } from './store';
import { bareName } from '../common/names';
import { hasHealthcheck, startingHealth } from '../common/health';

/**
 * The state writes of a container's record outside the host steps: events, the legacy hostConfig at start,
 * mark-running and the failure path. Each is idempotent, so a retried activity whose report was lost
 * changes nothing twice and logs no event twice.
 */
export class Records {
  constructor(private readonly store: StateStore) {}

  async emitEvent(id: string, action: ContainerEvent['action'], attributes?: Record<string, string>): Promise<void> {
    await this.appendEvent(id, await this.store.read(id), action, attributes);
  }

  /** Appends an event for a record the caller already holds (no second read of it). */
  async appendEvent(
    id: string,
    rec: ContainerRecord | undefined,
    action: ContainerEvent['action'],
    attributes?: Record<string, string>,
  ): Promise<void> {
    await this.store.appendEvent({
      time: new Date().toISOString(),
      type: 'container',
      action,
      id,
      name: rec ? bareName(rec.Name) : '',
      ...(attributes ? { attributes } : {}),
      ...(rec ? { image: rec.Config.Image } : {}),
      ...(rec && Object.keys(rec.Config.Labels ?? {}).length > 0 ? { labels: rec.Config.Labels } : {}),
    });
  }

  /**
   * Emits an event at most once per key (e.g. the saga run that emits it), so a retried activity whose
   * report was lost does not log the event twice. The last keys are kept on the record.
   */
  async emitEventOnce(
    id: string,
    key: string,
    action: ContainerEvent['action'],
    attributes?: Record<string, string>,
  ): Promise<void> {
    let seen = false;
    const rec = await this.store.update(id, (r) => {
      const keys = r.EventKeys ?? [];
      seen = keys.includes(`${action}:${key}`);
      if (!seen) r.EventKeys = [...keys, `${action}:${key}`].slice(-16);
    });
    if (!seen) await this.appendEvent(id, rec, action, attributes);
  }

  async setHostConfig(id: string, hostConfig: HostConfig): Promise<void> {
    await this.store.update(id, (rec) => {
      rec.HostConfig = hostConfig;
    });
  }

  /** Running, Pid, StartedAt, HasBeenStartedBefore, StartedBy; `start` once. */
  async markRunning(id: string, pid: number, by?: StartOwner): Promise<ContainerRecord> {
    let already = false;
    const rec = await this.store.update(id, (r) => {
      // A retried mark-running (its report lost) finds the container running with this pid: nothing to redo.
      already = r.State.Running && r.State.Pid === pid;
      if (already) return;
      r.State = {
        ...r.State,
        Status: 'running',
        Running: true,
        Restarting: false,
        Pid: pid,
        ExitCode: 0,
        Error: '',
        OOMKilled: false,
        StartedAt: new Date().toISOString(),
      };
      if (hasHealthcheck(r.Config.Healthcheck)) r.State.Health = startingHealth(r.State.Health);
      r.HasBeenStartedBefore = true;
      if (by) r.StartedBy = by;
      else delete r.StartedBy;
      // a started container is one the user wants running again (Docker's start clears the flag)
      delete r.HasBeenManuallyStopped;
    });
    if (!already) await this.appendEvent(id, rec, 'start');
    return rec;
  }

  /** The failure path: Error recorded, ExitCode 128 when 0, not running, no network. */
  async markFailed(id: string, error: string, exitCode: number): Promise<void> {
    await this.store.update(id, (r) => {
      r.State = {
        ...r.State,
        Status: r.HasBeenStartedBefore ? 'exited' : 'created',
        Running: false,
        Restarting: false,
        Pid: 0,
        Error: error,
        ExitCode: exitCode === 0 ? 128 : exitCode,
        FinishedAt: new Date().toISOString(),
      };
      r.NetworkSettings = releasedNetwork(r.NetworkSettings);
    });
  }

  /**
   * stop and kill: no restart policy may bring the container back until it is started again; a restart
   * waiting in its backoff is called off.
   */
  async markManuallyStopped(id: string): Promise<void> {
    await this.store.update(id, (r) => {
      r.HasBeenManuallyStopped = true;
      if (r.State.Restarting) r.State = { ...r.State, Restarting: false, Status: 'exited' };
    });
  }

  /** The monitor's restart is due after its backoff: Restarting, RestartCount, a `restart` event. */
  async markRestarting(id: string, restartCount: number): Promise<void> {
    let changed = false;
    const rec = await this.store.update(id, (r) => {
      changed = r.RestartCount !== restartCount;
      r.RestartCount = restartCount;
      if (!r.State.Running) r.State = { ...r.State, Restarting: true, Status: 'restarting' };
    });
    if (changed) await this.appendEvent(id, rec, 'restart', { restartCount: String(restartCount) });
  }

  /** A restart that did not happen (stopped meanwhile, or its start failed): not restarting any more. */
  async clearRestarting(id: string): Promise<void> {
    await this.store.update(id, (r) => {
      if (r.State.Restarting)
        r.State = { ...r.State, Restarting: false, Status: r.HasBeenStartedBefore ? 'exited' : 'created' };
    });
  }

  async recordLeftovers(id: string, leftovers: string[]): Promise<ContainerRecord> {
    return this.store.update(id, (r) => {
      if (leftovers.length > 0) r.Leftovers = leftovers;
      else delete r.Leftovers;
    });
  }

  /**
   * The run `rec` shows (recorded Running) has exited: Status exited, its code and time, under the lock;
   * `die` once per run, whoever saw the exit first (the monitor, a refreshed read, stop, rm).
   */
  async markExited(
    rec: ContainerRecord,
    exitCode: number,
    finishedAt: string,
    oomKilled = false,
  ): Promise<ContainerRecord> {
    let changed = false;
    const updated = await this.store.update(rec.Id, (r) => {
      if (!r.State.Running || r.State.StartedAt !== rec.State.StartedAt) return;
      r.State = {
        ...r.State,
        Status: 'exited',
        Running: false,
        Paused: false,
        Pid: 0,
        ExitCode: exitCode,
        FinishedAt: finishedAt,
        OOMKilled: oomKilled,
      };
      // Docker's CloseMonitorChannel: unhealthy once the probes stop
      if (r.State.Health) r.State.Health = { ...r.State.Health, Status: 'unhealthy' };
      changed = true;
    });
    if (changed && oomKilled) await this.emitEventOnce(rec.Id, `run ${rec.State.StartedAt}`, 'oom');
    if (changed) await this.emitDie(rec, exitCode);
    return updated;
  }

  /** `die` of the run `rec` shows, once however many paths see it end. */
  emitDie(rec: ContainerRecord, exitCode: number): Promise<void> {
    return this.emitEventOnce(rec.Id, `run ${rec.State.StartedAt}`, 'die', { exitCode: String(exitCode) });
  }
}
