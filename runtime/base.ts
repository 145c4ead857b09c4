import { ContainerError, Messages } from '../common/errors';
import { findContainer, VALID_NAME } from '../common/lookup';
import { parseNetMode } from '../common/net-mode';
import { verifyHostConfig } from '../common/settings';
import type { LinkTarget } from '../common/env';
import { parseLink } from '../common/env';
import type { HostInfo } from '../common/settings';
import {
  defaultHostConfig,
  initialState,
  NO_NETWORK,
  type ContainerEvent,
  type ContainerRecord,
  type CreateRequest,
  type HostConfig,
  type StartOwner,
} from '../common/types';
import type { ContainerRuntime, GcReport, HeldResource, ImageInfo, SpecRequest, StepContext, StopResult } from './contract';
import { newContainerId, randomName } from './names';
import { StateStore } from './store';

/** Second per-container lock: held by a start claim and by gc's sweep of that container. */
const CLAIM_LOCK = '.claim';

function leftoverError(id: string, leftovers: string[]): ContainerError {
  return new ContainerError('CompensationIncomplete', `could not release every resource of container ${id}: ${leftovers.join('; ')}`);
}

/**
 * Record keeping shared by every driver: create, lookup, events, the start claim and the state writes of
 * steps 15 and F. Drivers add the side-effecting steps.
 */
export abstract class BaseRuntime implements ContainerRuntime {
  abstract readonly kind: 'simulated' | 'linux';
  readonly store: StateStore;

  constructor(readonly root: string) {
    this.store = new StateStore(root);
  }

  abstract hostInfo(): Promise<HostInfo>;
  /** Throws NoSuchImage (404) when the image is not present. */
  protected abstract checkImage(image: string): Promise<void>;

  async create(req: CreateRequest): Promise<ContainerRecord> {
    await this.store.init();
    if (!req.image) throw new ContainerError('InvalidParameter', 'No image was specified');
    if (req.workingDir && !req.workingDir.startsWith('/')) {
      throw new ContainerError('InvalidParameter', `the working directory '${req.workingDir}' is invalid, it needs to be an absolute path`);
    }
    const hostConfig: HostConfig = { ...defaultHostConfig(), ...req.hostConfig };
    verifyHostConfig(hostConfig, await this.hostInfo());
    await this.checkImage(req.image);
    const id = newContainerId();
    let name = req.name;
    if (name !== undefined) {
      if (!VALID_NAME.test(name)) {
        throw new ContainerError('InvalidParameter', `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
      }
      name = name.replace(/^\//, '');
    }
    const existing = await this.store.list();
    const taken = (n: string) => existing.find((c) => c.Name === `/${n}`);
    if (name !== undefined) {
      const other = taken(name);
      if (other) {
        throw new ContainerError('Conflict', `Conflict. The container name "/${name}" is already in use by container "${other.Id}". You have to remove (or rename) that container to be able to reuse that name.`);
      }
    } else {
      do name = randomName(); while (taken(name));
    }
    for (const link of hostConfig.Links) {
      const target = parseLink(link);
      let child: ContainerRecord;
      try {
        child = findContainer(existing, target.name); // daemon.GetContainer: full ID, name or unique ID prefix
      } catch (err) {
        if (err instanceof ContainerError && err.type === 'NoSuchContainer') {
          throw new ContainerError('InvalidParameter', `could not get container for ${target.name}: ${err.message}`);
        }
        throw err;
      }
      if (parseNetMode(child.HostConfig.NetworkMode)?.kind === 'host') {
        throw new ContainerError('InvalidParameter', "conflicting options: host type networking can't be used with links. This would result in undefined behavior");
      }
    }
    const cmd = req.cmd ?? [];
    const rec: ContainerRecord = {
      Id: id,
      Name: `/${name}`,
      Created: new Date().toISOString(),
      Path: cmd[0] ?? '',
      Args: cmd.slice(1),
      Config: {
        Image: req.image,
        Cmd: cmd,
        Env: req.env ?? [],
        WorkingDir: req.workingDir ?? '',
        Hostname: req.hostname ?? id.slice(0, 12),
        Tty: req.tty ?? false,
        ExposedPorts: Object.fromEntries((req.exposedPorts ?? []).map((p) => [p.includes('/') ? p : `${p}/tcp`, {}])),
        Labels: req.labels ?? {},
      },
      HostConfig: hostConfig,
      State: initialState(),
      NetworkSettings: { ...NO_NETWORK },
      HasBeenStartedBefore: false,
    };
    await this.store.write(rec);
    await this.appendEvent(id, rec, 'create', { image: req.image });
    return rec;
  }

  lookup(ref: string): Promise<ContainerRecord> {
    return this.store.lookup(ref);
  }

  list(): Promise<ContainerRecord[]> {
    return this.store.list();
  }

  events(since: number): Promise<{ events: ContainerEvent[]; next: number }> {
    return this.store.events(since);
  }

  async emitEvent(id: string, action: ContainerEvent['action'], attributes?: Record<string, string>): Promise<void> {
    await this.appendEvent(id, await this.store.read(id), action, attributes);
  }

  /** Appends an event for a record the caller already holds (no second read of it). */
  private async appendEvent(id: string, rec: ContainerRecord | undefined, action: ContainerEvent['action'], attributes?: Record<string, string>): Promise<void> {
    await this.store.appendEvent({
      time: new Date().toISOString(),
      type: 'container',
      action,
      id,
      name: rec ? rec.Name.replace(/^\//, '') : '',
      ...(attributes ? { attributes } : {}),
    });
  }

  async setHostConfig(id: string, hostConfig: HostConfig): Promise<void> {
    await this.store.update(id, (rec) => {
      rec.HostConfig = hostConfig;
    });
  }

  async claimStart(id: string, owner: StartOwner, isAlive: (o: StartOwner) => Promise<boolean>): Promise<ContainerRecord> {
    // The claim lock orders a claim against gc's sweep of the same container (see gc).
    return this.store.withLock(id, () => this.store.withLock(id, async () => {
      const rec = await this.store.get(id);
      if (rec.State.RemovalInProgress || rec.State.Dead) throw new ContainerError('ContainerBeingRemoved', Messages.beingRemoved);
      const held = rec.StartingBy;
      const mine = held && held.workflowId === owner.workflowId && held.runId === owner.runId;
      if (held && !mine && (await isAlive(held))) {
        throw new ContainerError('StartInProgress', Messages.startInProgress(id, held.workflowId));
      }
      rec.StartingBy = owner;
      await this.store.write(rec);
      return rec;
    }), CLAIM_LOCK);
  }

  async releaseStart(id: string, owner: StartOwner): Promise<void> {
    await this.store.withLock(id, async () => {
      const rec = await this.store.read(id);
      if (!rec || rec.StartingBy?.workflowId !== owner.workflowId || rec.StartingBy.runId !== owner.runId) return;
      delete rec.StartingBy;
      await this.store.write(rec);
    });
  }

  /** The running containers named by --link, with what their link env needs. */
  async linkedContainers(id: string): Promise<LinkTarget[]> {
    const rec = await this.store.get(id);
    const targets: LinkTarget[] = [];
    for (const spec of rec.HostConfig.Links) {
      const { name, alias } = parseLink(spec);
      const other = await this.store.lookup(name).catch((err: unknown) => {
        if (err instanceof ContainerError && err.type === 'NoSuchContainer') {
          throw new ContainerError('InvalidParameter', `Could not get container for ${name}`);
        }
        throw err;
      });
      if (!other.State.Running) {
        throw new ContainerError('ContainerNotRunning', `Cannot link to a non running container: ${other.Name} AS ${rec.Name}/${alias}`);
      }
      targets.push({
        name: other.Name,
        alias,
        ipAddress: other.NetworkSettings.IPAddress,
        hostname: other.Config.Hostname,
        exposedPorts: Object.keys(other.Config.ExposedPorts),
        env: other.Config.Env,
      });
    }
    return targets;
  }

  async markRunning(id: string, pid: number): Promise<ContainerRecord> {
    let already = false;
    const rec = await this.store.update(id, (r) => {
      // A retried step 15 (its report lost) finds the container running with this pid: nothing to redo.
      already = r.State.Running && r.State.Pid === pid;
      if (already) return;
      r.State = { ...r.State, Status: 'running', Running: true, Pid: pid, ExitCode: 0, Error: '', StartedAt: new Date().toISOString() };
      r.HasBeenStartedBefore = true;
    });
    if (!already) await this.appendEvent(id, rec, 'start');
    return rec;
  }

  /**
   * Emits an event at most once per key (e.g. the saga run that emits it), so a retried activity whose
   * report was lost does not log the event twice. The last keys are kept on the record.
   */
  async emitEventOnce(id: string, key: string, action: ContainerEvent['action'], attributes?: Record<string, string>): Promise<void> {
    let seen = false;
    const rec = await this.store.update(id, (r) => {
      const keys = r.EventKeys ?? [];
      seen = keys.includes(`${action}:${key}`);
      if (!seen) r.EventKeys = [...keys, `${action}:${key}`].slice(-16);
    });
    if (!seen) await this.appendEvent(id, rec, action, attributes);
  }

  async markFailed(id: string, error: string, exitCode: number): Promise<void> {
    await this.store.update(id, (r) => {
      r.State = {
        ...r.State,
        Status: r.HasBeenStartedBefore ? 'exited' : 'created',
        Running: false,
        Pid: 0,
        Error: error,
        ExitCode: exitCode === 0 ? 128 : exitCode,
        FinishedAt: new Date().toISOString(),
      };
      r.NetworkSettings = { ...NO_NETWORK };
    });
  }

  async recordLeftovers(id: string, leftovers: string[]): Promise<void> {
    await this.store.update(id, (r) => {
      if (leftovers.length > 0) r.Leftovers = leftovers;
      else delete r.Leftovers;
    });
  }

  /**
   * Every release, in the saga's reverse order, each tried although an earlier one failed (teardown collects
   * errors; it never stops at the first). Returns what could not be released.
   */
  async releaseAll(id: string, ctx?: StepContext): Promise<string[]> {
    const releases: Array<[string, () => Promise<void>]> = [
      ['unregister-process', () => this.unregisterProcess(id, ctx)],
      ['unmount-volumes', () => this.unmountVolumes(id, ctx)],
      ['unmount-ipc', () => this.releaseIpc(id, ctx)],
      ['remove-spec', () => this.removeSpec(id)],
      ['release-network', () => this.releaseNetwork(id, ctx)],
      ['unmount-rootfs', () => this.unmountRootfs(id, ctx)],
    ];
    const leftovers: string[] = [];
    for (const [name, release] of releases) {
      try {
        await release();
      } catch (err) {
        leftovers.push(`${name}: ${(err as Error).message}`);
      }
    }
    return leftovers;
  }

  /**
   * Docker's restore at boot, plus a sweep: releases the leftovers recorded on containers and every held
   * resource whose container no longer exists or is neither running nor being started (a start saga owns
   * what it holds: its compensations release it). `isStarting` says whether a recorded claim is still live.
   */
  async gc(isStarting: (rec: ContainerRecord) => Promise<boolean>, ctx?: StepContext): Promise<GcReport> {
    const report: GcReport = { released: [], failed: [] };
    const records = new Map((await this.list()).map((r) => [r.Id, r]));
    const held = await this.heldResources();
    const ids = new Set([...[...records.values()].filter((r) => r.Leftovers?.length).map((r) => r.Id), ...held.map((h) => h.containerId)]);
    for (const id of ids) if (!/^[0-9a-f]{64}$/.test(id)) ids.delete(id);
    for (const id of ids) {
      // Under the claim lock, on a fresh read: a saga cannot claim (and so cannot create anything) while
      // its container is swept, and a container claimed before the sweep is left to its saga.
      await this.store.withLock(id, async () => {
        const rec = await this.store.read(id);
        if (rec?.State.Running) return;
        if (rec && (await isStarting(rec))) return;
        const what = held.filter((h) => h.containerId === id).map((h) => `${h.kind} ${h.detail}`);
        const leftovers = await this.releaseAll(id, ctx);
        if (rec) await this.recordLeftovers(id, leftovers);
        if (leftovers.length > 0) report.failed.push({ containerId: id, leftovers });
        else report.released.push({ containerId: id, resources: what.length > 0 ? what : rec?.Leftovers ?? [] });
      }, CLAIM_LOCK);
      // The lock made a directory for an orphan's ID: leave no empty container directory behind.
      if (!(await this.store.read(id))) await this.store.delete(id);
    }
    return report;
  }

  async stop(id: string, timeoutSeconds: number, ctx?: StepContext): Promise<StopResult> {
    const rec = await this.store.get(id);
    const wasRunning = rec.State.Running;
    const exitCode = wasRunning ? await this.terminate(id, timeoutSeconds, ctx) : rec.State.ExitCode;
    const leftovers = await this.releaseAll(id, ctx);
    await this.store.update(id, (r) => {
      if (wasRunning) {
        r.State = { ...r.State, Status: 'exited', Running: false, Pid: 0, ExitCode: exitCode, FinishedAt: new Date().toISOString() };
      }
      r.NetworkSettings = { ...NO_NETWORK };
      if (leftovers.length > 0) r.Leftovers = leftovers;
      else delete r.Leftovers;
    });
    if (wasRunning) {
      await this.emitEvent(id, 'die', { exitCode: String(exitCode) });
      await this.emitEvent(id, 'stop');
    }
    if (leftovers.length > 0) throw leftoverError(id, leftovers);
    return { exitCode, wasRunning };
  }

  async remove(id: string, force: boolean, ctx?: StepContext): Promise<void> {
    const rec = await this.store.get(id);
    if (rec.State.Running && !force) {
      throw new ContainerError('Conflict', `You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`);
    }
    await this.store.update(id, (r) => {
      r.State.RemovalInProgress = true;
    });
    if (rec.State.Running) {
      const exitCode = await this.terminate(id, 0, ctx);
      await this.emitEvent(id, 'die', { exitCode: String(exitCode) });
    }
    const leftovers = await this.releaseAll(id, ctx);
    if (leftovers.length > 0) {
      await this.store.update(id, (r) => {
        r.State = { ...r.State, Running: false, Pid: 0, Status: 'dead', Dead: true, RemovalInProgress: false };
        r.Leftovers = leftovers;
      });
      throw leftoverError(id, leftovers);
    }
    await this.removeContainerFiles(id);
    await this.emitEvent(id, 'destroy');
    await this.store.delete(id);
  }

  abstract mountRootfs(id: string, ctx?: StepContext): Promise<{ path: string }>;
  abstract unmountRootfs(id: string, ctx?: StepContext): Promise<void>;
  abstract connectNetwork(id: string, ctx?: StepContext): Promise<ContainerRecord['NetworkSettings']>;
  abstract releaseNetwork(id: string, ctx?: StepContext): Promise<void>;
  abstract setupWorkingDir(id: string): Promise<void>;
  abstract writeSpec(id: string, req: SpecRequest): Promise<void>;
  abstract removeSpec(id: string): Promise<void>;
  abstract setupIpc(id: string, ctx?: StepContext): Promise<void>;
  abstract releaseIpc(id: string, ctx?: StepContext): Promise<void>;
  abstract mountVolumes(id: string, ctx?: StepContext): Promise<void>;
  abstract unmountVolumes(id: string, ctx?: StepContext): Promise<void>;
  abstract startProcess(id: string, ctx?: StepContext): Promise<{ pid: number }>;
  abstract unregisterProcess(id: string, ctx?: StepContext): Promise<void>;
  /** Signals the container's process (SIGTERM, SIGKILL after the timeout) and returns its exit code. */
  protected abstract terminate(id: string, timeoutSeconds: number, ctx?: StepContext): Promise<number>;
  /** Deletes the container's own files (upper dir, logs, bundle dir) once everything is released. */
  protected abstract removeContainerFiles(id: string): Promise<void>;
  abstract logs(id: string): Promise<string>;
  abstract importImage(name: string, source: string): Promise<ImageInfo>;
  abstract listImages(): Promise<ImageInfo[]>;
  abstract heldResources(): Promise<HeldResource[]>;
}
