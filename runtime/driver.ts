/**
 * What a driver does: the system work of each host step, given a plan already resolved from the records by
 * runtime/steps/ (which container to join, the shm size, the mount list, the spec's inputs). A driver never
 * reads a container record or decides a Docker rule; it creates, adopts and releases what the system holds,
 * named after the container ID (layout.ts), so a retry or a sweep finds it.
 *
 * Contracts, as for the steps above it (runtime/contract.ts): every acquire adopts what an earlier attempt
 * left; every release succeeds when there is nothing to release and never forgets what it still holds.
 */
import type { HostInfo } from '../common/settings';
import type { ImageInfo, NetworkSettings } from '../common/types';
import type { HeldResource, StepContext } from './contract';
import type { Layout } from './linux/layout';

/** A mount the container gets from HostConfig (Binds, Tmpfs), in path order. */
export interface VolumeMount {
  kind: 'bind' | 'volume' | 'tmpfs';
  /** host path of a bind or named volume; 'tmpfs' for tmpfs */
  source: string;
  /** absolute path in the container, normalized */
  destination: string;
  readonly: boolean;
  /** the named volume's name */
  name?: string;
  /** tmpfs options as given ("size=10m,mode=1770") */
  options?: string;
}

/** The container's own network namespace: with a bridge attachment, or with loopback only. */
export type NetnsPlan = { kind: 'bridge' } | { kind: 'none' };

/** Where the process's network namespace comes from. */
export type SpecNetwork = { kind: 'own' } | { kind: 'host' } | { kind: 'join'; sandboxKey: string };

/** Where the process's IPC namespace and /dev/shm come from. */
export type SpecIpc =
  | { kind: 'private' } // a namespace of its own, /dev/shm from the container's own tmpfs (the ipc step)
  | { kind: 'none' } // a namespace of its own, no /dev/shm
  | { kind: 'host' } // the host's namespace and /dev/shm
  // another container's namespace, and its /dev/shm: that container's own tmpfs, the host's, or none
  | { kind: 'join'; pid: number; shm: { container: string } | 'host' | undefined };

/** Everything the spec step decided, for the driver's bundle. */
export interface SpecPlan {
  args: string[];
  env: string[];
  /** container path; '' means / */
  cwd: string;
  hostname: string;
  tty: boolean;
  readonlyRootfs: boolean;
  noNewPrivileges: boolean;
  network: SpecNetwork;
  /** the container's address, for its /etc/hosts ('' without one) */
  ipAddress: string;
  /** /etc/hosts lines for links */
  extraHosts: string[];
  ipc: SpecIpc;
  volumes: readonly VolumeMount[];
  /** HostConfig.Memory (bytes), NanoCpus, PidsLimit; 0 = unlimited */
  memory: number;
  nanoCpus: number;
  pidsLimit: number;
}

/** What the driver can tell about a container's process, for records that say Running. */
export type ProcessProbe = { kind: 'running' } | { kind: 'exited'; code: number; at: string };

export interface Driver {
  readonly kind: 'simulated' | 'linux';
  /** the state root (CONTAINER_SAGA_ROOT), absolute */
  readonly root: string;
  /** where every resource lives, named after the container ID (both drivers use the same names; the
   * container's output is at layout.log(id)) */
  readonly layout: Layout;

  hostInfo(): Promise<HostInfo>;
  /** Throws NoSuchImage (404) when the image is not present. */
  checkImage(image: string): Promise<void>;
  importImage(name: string, source: string): Promise<ImageInfo>;
  listImages(): Promise<ImageInfo[]>;

  mountRootfs(id: string, image: string, ctx?: StepContext): Promise<{ path: string }>;
  unmountRootfs(id: string, ctx?: StepContext): Promise<void>;
  /** The container's own netns (bridge: + CNI ADD); its settings. */
  connectNetwork(id: string, plan: NetnsPlan, ctx?: StepContext): Promise<NetworkSettings>;
  /** CNI DEL (repeatable) then the netns, only after DEL succeeded. */
  releaseNetwork(id: string, ctx?: StepContext): Promise<void>;
  /** A tmpfs with these options (runtime/steps/ipc.ts) at the container's shm path. */
  setupIpc(id: string, tmpfsOptions: string, ctx?: StepContext): Promise<void>;
  releaseIpc(id: string, ctx?: StepContext): Promise<void>;
  /** The sources are ready (runtime/steps/volumes.ts); the driver makes the mounts its own. */
  mountVolumes(id: string, mounts: readonly VolumeMount[], ctx?: StepContext): Promise<void>;
  unmountVolumes(id: string, ctx?: StepContext): Promise<void>;
  /** mkdir -p of `dir` inside the mounted rootfs, no escape (NotADirectory 400 when a file is in the way). */
  setupWorkingDir(id: string, dir: string): Promise<void>;
  writeSpec(id: string, plan: SpecPlan): Promise<void>;
  removeSpec(id: string): Promise<void>;
  /** Starts the bundle's process (or adopts the one running); resolves once it runs. */
  startProcess(id: string, ctx?: StepContext): Promise<{ pid: number }>;
  /** Kill, wait, runtime delete, drop the exec record. */
  unregisterProcess(id: string, ctx?: StepContext): Promise<void>;

  /** Whether the process of a container recorded Running still runs. */
  probeProcess(id: string): Promise<ProcessProbe>;
  /** Signals the process (SIGTERM, SIGKILL after the timeout) and returns its exit code. */
  terminate(id: string, timeoutSeconds: number, ctx?: StepContext): Promise<number>;
  /** Deletes the container's own files (upper dir, logs, bundle dir) once everything is released. */
  removeContainerFiles(id: string): Promise<void>;
  /** Every resource the driver holds (mounts, netns, IPs, processes…), for leak checks and gc. */
  heldResources(): Promise<HeldResource[]>;
}
