import type { HostStepName } from '../../common/steps';
import type { ContainerRecord, NetworkSettings } from '../../common/types';
import type { SpecRequest, StepContext } from '../contract';
import type { Driver } from '../driver';
import type { StateStore } from '../store';
import type { ImageStore } from '../../images/store';
import type { NetworkStore } from '../../networks/store';

/** What a step works with: the records and the driver. */
export interface StepEnv {
  store: StateStore;
  driver: Driver;
  /** the host's images: the rootfs's layers */
  images: ImageStore;
  /** the host's networks: a container's attachments */
  networks: NetworkStore;
  /** daemon.Get with the process state refreshed (a peer recorded Running whose process exited reads exited) */
  lookup(ref: string): Promise<ContainerRecord>;
  /** the host directories bind mounts may come from (CONTAINER_SAGA_BIND_ALLOW); undefined: any */
  readonly bindAllow: readonly string[] | undefined;
}

/** What each step's acquire takes: the container, and for the spec what the workflow computed. */
export interface AcquireRequests {
  'mount-rootfs': { id: string };
  network: { id: string };
  ipc: { id: string };
  volumes: { id: string };
  'working-dir': { id: string };
  spec: { id: string } & SpecRequest;
  process: { id: string };
}

/** What each step's acquire gives back. */
export interface AcquireResults {
  'mount-rootfs': { path: string };
  network: NetworkSettings;
  ipc: void;
  volumes: void;
  'working-dir': void;
  spec: void;
  process: { pid: number };
}

/**
 * Both halves of one host step, side by side (Nomad's hooks): acquire reads the record, resolves the plan
 * and has the driver do it; release undoes it. Release is idempotent and may run although acquire never
 * did, or only half did.
 */
export interface StepImpl<N extends HostStepName> {
  acquire(env: StepEnv, req: AcquireRequests[N], ctx?: StepContext): Promise<AcquireResults[N]>;
  release?(env: StepEnv, id: string, ctx?: StepContext): Promise<void>;
}
