import type { LinkTarget } from '../common/env';
import type { IdRange } from '../config/userns-remap';
import { ContainerError } from '../common/errors';
import type { HostInfo } from '../common/settings';
import type {
  ContainerEvent,
  ContainerRecord,
  CreateRequest,
  HostConfig,
  ImageInfo,
  StartOwner,
} from '../common/types';
import { checkBindPolicy, resolveImageSource } from './bind-policy';
import { checkPrivilegePolicy, checkUsernsRemap } from './privilege-policy';
import { claimStart, releaseStart } from './claim';
import type { HeldResource } from './contract';
import { checkCreateRequest, newContainerRecord } from './create';
import { endpointsAtCreate } from './create-network';
import type { Driver } from './driver';
import { FAULT_LABEL } from './fault-label';
import type { HostParts } from './host-parts';
import { linkedContainers } from './links';
import { Records } from './records';
import type { StepHooks } from './step-hooks';
import { StateStore } from './store';
import { ImageStore } from '../images/store';
import { NetworkStore } from '../networks/store';
import { importImage } from '../images/import';
import { imageStoreRoot } from '../images/location';
import { noSuchImageRef, simulatedTakes } from '../images/refs';
import { VolumeStore } from '../volumes/store';
import { checkMountSources, createMountPoints, makeVolumes } from './create-mounts';

/** What a host's runtime is told when it is made; it reads nothing from the environment itself. */
export interface HostRuntimeConfig {
  /** the host this runtime is (CONTAINER_SAGA_HOST): its containers' records name it (common/hosts-api.ts) */
  readonly host: string;
  /** host directories bind mounts may come from (CONTAINER_SAGA_BIND_ALLOW); undefined: any */
  readonly bindAllow?: readonly string[];
  /** what a container may still have under that policy (CONTAINER_SAGA_POLICY_ALLOW, normalised) */
  readonly policyAllow?: readonly string[];
  /**
   * Fault injection is a test feature: only a worker that enabled it (CONTAINER_SAGA_ALLOW_FAULTS=1, tests,
   * the demo) accepts containers carrying the fault label; elsewhere a create with it is refused (400).
   */
  readonly faultsAllowed?: boolean;
  /** around every host step, release and mark-running (the worker's fault injection, the bench's clock) */
  readonly hooks?: StepHooks;
  /** CONTAINER_SAGA_USERNS_REMAP: containers run in a user namespace with root mapped to these ranges (Linux) */
  readonly usernsRemap?: IdRange;
}

/**
 * The records of one host (the state store, events, the start claim) and the images and resources its driver
 * reports: the part of the runtime that never runs a host step. HostRuntime adds the steps and the lifecycle.
 */
export class HostRecords implements HostParts {
  readonly store: StateStore;
  readonly records: Records;
  /** the host's images (images/store.ts); the simulated driver's too, which also takes any name:latest */
  readonly images: ImageStore;
  /** the host's named volumes (volumes/store.ts), where the driver's layout keeps them */
  readonly volumes: VolumeStore;
  /** the host's networks (networks/store.ts): the predefined ones and the user-defined bridges */
  readonly networks: NetworkStore;

  constructor(
    readonly driver: Driver,
    readonly config: HostRuntimeConfig,
  ) {
    this.store = new StateStore(driver.root, config.usernsRemap?.gid);
    this.records = new Records(this.store);
    this.images = new ImageStore(imageStoreRoot(driver.root));
    this.volumes = new VolumeStore(driver.layout.volumes);
    this.networks = new NetworkStore(driver.root, { subnet: driver.defaultSubnet });
  }

  get kind(): Driver['kind'] {
    return this.driver.kind;
  }

  /** the state root (CONTAINER_SAGA_ROOT) */
  get root(): string {
    return this.driver.root;
  }

  /** the host this runtime is: its containers' records name it */
  get hostName(): string {
    return this.config.host;
  }

  hostInfo(): Promise<HostInfo> {
    return this.driver.hostInfo();
  }

  async create(req: CreateRequest): Promise<ContainerRecord & { readonly createWarnings: readonly string[] }> {
    if (!this.config.faultsAllowed && req.labels && Object.hasOwn(req.labels, FAULT_LABEL)) {
      throw new ContainerError(
        'InvalidParameter',
        `the label ${FAULT_LABEL} is for fault injection, which this worker does not allow (start it with CONTAINER_SAGA_ALLOW_FAULTS=1)`,
      );
    }
    await this.store.init();
    const createWarnings: string[] = [];
    const hostConfig = checkCreateRequest(req, await this.driver.hostInfo(), createWarnings);
    await this.checkPolicy(hostConfig);
    const imageId = await this.images.find(req.image);
    if (!imageId && !this.takesAnyLatest(req.image)) throw new ContainerError('NoSuchImage', noSuchImageRef(req.image));
    const imageConfig = imageId ? (await this.images.config(imageId)).config : undefined;
    const endpoints = endpointsAtCreate(hostConfig, req.endpoints, await this.networks.list());
    const existing = await this.store.list();
    const rec = newContainerRecord(req, hostConfig, existing, imageConfig);
    if (imageId) rec.Image = imageId;
    if (endpoints) rec.NetworkSettings.Networks = endpoints;
    rec.MountPoints = createMountPoints(rec.HostConfig, rec.Config.Volumes, existing).map((p) =>
      p.Type === 'volume' ? { ...p, Source: this.driver.layout.volume(p.Name!) } : p,
    );
    await checkMountSources(rec, this.config.bindAllow);
    const remap = this.config.usernsRemap;
    const content = imageId
      ? {
          layers: (await this.images.layerDirs(imageId)).map((l) => l.dir).reverse(),
          ...(remap ? { shift: { uid: remap.uid, gid: remap.gid } } : {}),
        }
      : undefined;
    const made = await makeVolumes(this.volumes, rec, content, () => this.store.write(rec));
    for (const n of made) await this.volumeEvent('create', n);
    await this.records.appendEvent(rec.Id, rec, 'create', { image: req.image });
    return { ...(await this.withNode(rec)), createWarnings };
  }

  /** The host's policy (CONTAINER_SAGA_BIND_ALLOW, _POLICY_ALLOW): at create and again at start. */
  async checkPolicy(hc: HostConfig): Promise<void> {
    checkPrivilegePolicy(hc, this.config.bindAllow, this.config.policyAllow);
    if (this.config.usernsRemap) checkUsernsRemap(hc);
    await checkBindPolicy(hc.Binds, this.config.bindAllow);
  }

  async lookup(ref: string): Promise<ContainerRecord> {
    return this.withNode(await this.refresh(await this.store.lookup(ref)));
  }

  async list(): Promise<ContainerRecord[]> {
    return Promise.all((await this.store.list()).map(async (r) => this.withNode(await this.refresh(r))));
  }

  /**
   * The record as clients see it names its host (classic Swarm's `Node`): a state root is one host's, so every
   * record in it belongs to this runtime's host.
   */
  protected withNode(rec: ContainerRecord): ContainerRecord {
    return { ...rec, Node: { ID: this.config.host, Name: this.config.host } };
  }

  /** Whether the image is on this host (placement asks each host). */
  async hasImage(image: string): Promise<boolean> {
    if (this.takesAnyLatest(image)) return true;
    try {
      return (await this.images.find(image)) !== undefined;
    } catch (err) {
      // a bad reference is the create's 400, not placement's question
      if (err instanceof ContainerError && err.type === 'InvalidParameter') return false;
      throw err;
    }
  }

  private takesAnyLatest(image: string): boolean {
    return this.kind === 'simulated' && simulatedTakes(image);
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

  /** Docker's volume events (type volume: create, destroy) in the host's event log */
  volumeEvent(action: 'create' | 'destroy', name: string): Promise<void> {
    const time = new Date().toISOString();
    return this.store.appendEvent({ time, type: 'volume', action, id: name, name, attributes: { driver: 'local' } });
  }

  emitEvent(id: string, action: ContainerEvent['action'], attributes?: Record<string, string>): Promise<void> {
    return this.records.emitEvent(id, action, attributes);
  }

  emitEventOnce(
    id: string,
    key: string,
    action: ContainerEvent['action'],
    attributes?: Record<string, string>,
  ): Promise<void> {
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

  markFailed(id: string, error: string, exitCode: number): Promise<void> {
    return this.records.markFailed(id, error, exitCode);
  }

  recordLeftovers(id: string, leftovers: string[]): Promise<ContainerRecord> {
    return this.records.recordLeftovers(id, leftovers);
  }

  async importImage(name: string, source: string): Promise<ImageInfo> {
    // busybox-static: the drivers' built-in image (no host path)
    const from = source === 'busybox-static' ? source : await resolveImageSource(source, this.config.bindAllow);
    try {
      return await importImage(this.images, name, from);
    } catch (err) {
      // a name the input check let through that still makes too long a file name (the Linux driver escapes it)
      if ((err as NodeJS.ErrnoException).code === 'ENAMETOOLONG')
        throw new ContainerError(
          'InvalidParameter',
          `invalid reference format: ${name} is too long a name for an image here`,
        );
      throw err;
    }
  }

  listImages(): Promise<ImageInfo[]> {
    return this.images.list();
  }

  heldResources(): Promise<HeldResource[]> {
    return this.driver.heldResources();
  }
}
