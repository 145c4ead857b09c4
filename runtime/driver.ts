/**
 * What a driver does: the system work of each host step, given a plan already resolved from the records by
 * runtime/steps/ (which container to join, the shm size, the mount list, the spec's inputs). A driver never
 * reads a container record or decides a Docker rule; it creates, adopts and releases what the system holds,
 * named after the container ID (layout.ts), so a retry or a sweep finds it.
 *
 * Contracts, as for the steps above it (runtime/contract.ts): every acquire adopts what an earlier attempt
 * left; every release succeeds when there is nothing to release and never forgets what it still holds.
 */
import type { DockerSeccompProfile } from '../common/seccomp';
import type { HostInfo } from '../common/settings';
import type { Ulimit } from '../common/types';
import type { PortRequest, PublishedPort } from '../common/ports';
import type { HeldResource, StepContext } from './contract';
import type { Layout } from './drivers/layout';
import type { DnsSettings } from './resolv-conf';
import type { DeviceNode } from './drivers/linux/device-nodes';

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
  /** a bind's propagation (--mount bind-propagation=); absent: rprivate */
  propagation?: string;
}

/**
 * One bridge network as the driver wires a container into it (runtime/steps/network-plan.ts makes it from the
 * host's NetworkRecord): its bridge device and subnet, its CNI name (also the IPAM directory's), and the
 * address the container asked for, if any.
 */
export interface BridgeAttachment {
  /** the network's name: the key of NetworkSettings.Networks */
  network: string;
  networkId: string;
  cniName: string;
  /** '' for the default bridge: the driver's own device */
  bridge: string;
  subnet: string;
  gateway: string;
  /** host-local's range inside the subnet (IPAM's IPRange) */
  ipRange?: string;
  internal: boolean;
  /** --ip: the address the container asked for */
  ip?: string;
}

/** The address one attachment got. */
export interface EndpointAddress {
  IPAddress: string;
  IPPrefixLen: number;
  Gateway: string;
  MacAddress: string;
}

/** What connectNetwork made: the netns's path and, for bridge, each attachment's address in the plan's order. */
export interface NetnsResult {
  sandboxKey: string;
  addresses: EndpointAddress[];
}

/** A bridge network's part in the host's isolation rules (every bridge network of the host is listed). */
export interface BridgeRule {
  cniName: string;
  /** '' for the default bridge: the driver's own device */
  bridge: string;
  internal: boolean;
}

/**
 * The container's own network namespace: with bridge attachments (the first is eth0, and the top-level
 * settings; none given: the driver's default bridge), or with loopback only. `rules`: every bridge of the
 * host, so the driver keeps the networks isolated from each other as Docker does.
 */
export type NetnsPlan = { kind: 'bridge'; attachments?: BridgeAttachment[]; rules?: BridgeRule[] } | { kind: 'none' };

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
  /** the process's user (common/exec-user.ts: resolved in the container's /etc/passwd and /etc/group) */
  user: { uid: number; gid: number; additionalGids: number[] };
  /** container path; '' means / */
  cwd: string;
  hostname: string;
  tty: boolean;
  /** Config.OpenStdin (conmon keeps a stdin pipe) and StdinOnce (closed when the attached client goes); absent: none */
  stdin?: { open: boolean; once: boolean };
  readonlyRootfs: boolean;
  noNewPrivileges: boolean;
  /** the process's capabilities (common/confinement.ts) */
  capabilities: string[];
  /** the seccomp profile, converted by the driver for its architecture; undefined: no filter */
  seccomp: DockerSeccompProfile | undefined;
  /** no masked or read-only paths, /sys writable, every device */
  privileged: boolean;
  network: SpecNetwork;
  /** the container's address, for its /etc/hosts ('' without one) */
  ipAddress: string;
  /** /etc/hosts lines: --add-host's, then links' */
  extraHosts: string[];
  /** Config.Domainname ('' for none): the UTS domain name and the FQDN of the own /etc/hosts line */
  domainname: string;
  /** what replaces the host's resolv.conf parts (runtime/resolv-conf.ts) */
  dns: DnsSettings;
  ipc: SpecIpc;
  volumes: readonly VolumeMount[];
  /** HostConfig.Memory (bytes), NanoCpus, PidsLimit; 0 = unlimited */
  memory: number;
  nanoCpus: number;
  pidsLimit: number;
  /** --cpu-shares; 0 or absent: the kernel's default */
  cpuShares?: number;
  /** memory + swap in bytes, -1 unlimited (common/resources.ts memorySwapOf); undefined: not set */
  memorySwap: number | undefined;
  /** rlimits to set (none: the worker's are inherited, as Docker's containers inherit containerd's) */
  ulimits: Ulimit[];
  /** memory.oom_control's oom_kill_disable (create kept it only where the host has it) */
  oomKillDisable: boolean;
  oomScoreAdj: number;
  /** a cgroup namespace of its own (/proc/self/cgroup shows 0::/) or the host's */
  cgroupns: 'private' | 'host';
  /** the AppArmor profile to apply; undefined: none */
  appArmorProfile: string | undefined;
  /** --device: the host's nodes resolved (runtime/drivers/linux/device-nodes.ts), each with its cgroup access */
  devices?: readonly DeviceNode[];
}

/** An exec the runtime has checked and registered: what to run in the container's namespaces. */
export interface ExecPlan {
  execId: string;
  args: string[];
  /** KEY=VALUE pairs replacing or adding to the container's own environment (its spec's) */
  env: string[];
  /** container path; '' keeps the container's working directory */
  cwd: string;
  /** exec -u, resolved (runtime/steps/process-user.ts); absent: the container's process user */
  user?: { uid: number; gid: number; additionalGids: number[] };
  /** a pty (conmon --terminal) */
  tty?: boolean;
  /** a stdin pipe fed from the exec's attach socket (conmon --stdin) */
  stdin?: boolean;
  /** the pty's first size, [rows, cols] */
  consoleSize?: [number, number];
}

/** How an exec ended: its exit code, or the start error (classified as Docker does: 127, 126, else 126). */
export interface ExecOutcome {
  exitCode: number;
  /** runc's message when the command could not be started */
  startError?: string;
}

/** A step context for an exec: `onStart` is awaited once the exec's process runs (with its pid). */
export interface ExecContext extends StepContext {
  onStart?: (pid: number) => Promise<void>;
}

/** What the driver can tell about a container's process, for records that say Running. */
/** (`oomKilled`: the kernel's OOM killer ended it, as the runtime reported while it ran) */
export type ProcessProbe = { kind: 'running' } | { kind: 'exited'; code: number; at: string; oomKilled?: boolean };

export interface Driver {
  readonly kind: 'simulated' | 'linux';
  /** the state root (CONTAINER_SAGA_ROOT), absolute */
  readonly root: string;
  /** where every resource lives, named after the container ID (both drivers use the same names; the
   * container's output is at layout.log(id)) */
  readonly layout: Layout;
  /** the default bridge's subnet (the predefined `bridge` network's) */
  readonly defaultSubnet: string;

  hostInfo(): Promise<HostInfo>;
  /** The image's layers as the overlay's lowers, the container's own upper (a copy shifted for USERNS_REMAP). */
  mountRootfs(id: string, plan: RootfsPlan, ctx?: StepContext): Promise<{ path: string }>;
  unmountRootfs(id: string, ctx?: StepContext): Promise<void>;
  /** The container's own netns (bridge: + a CNI ADD per attachment): its path, the attachments' addresses in order. */
  connectNetwork(id: string, plan: NetnsPlan, ctx?: StepContext): Promise<NetnsResult>;
  /** CNI DEL of every attachment (repeatable) then the netns, only after DEL succeeded. */
  releaseNetwork(id: string, ctx?: StepContext): Promise<void>;
  /**
   * Publishes each request on the host, forwarding to the container's `ip` (linux: a userland proxy per binding,
   * linux/port-proxy.ts). Adopts what an earlier attempt published when it matches; a port taken fails with
   * Docker's "Bind for IP:P failed: port is already allocated" (StartFailed) and leaves none published.
   */
  publishPorts(id: string, ip: string, requests: readonly PortRequest[], ctx?: StepContext): Promise<PublishedPort[]>;
  /** Stops forwarding every port of the container. Idempotent. */
  unpublishPorts(id: string, ctx?: StepContext): Promise<void>;
  /** One more attachment of a running container's netns (network connect): the next free ethN. Idempotent. */
  attachNetwork(
    id: string,
    attachment: BridgeAttachment,
    rules: BridgeRule[],
    ctx?: StepContext,
  ): Promise<EndpointAddress>;
  /** CNI DEL of one attachment (network disconnect). Idempotent. */
  detachNetwork(id: string, cniName: string, ctx?: StepContext): Promise<void>;
  /** The IPv4 subnets on the devices of the namespace the bridges live in ("10.88.0.0/16" by device), if any. */
  bridgeSideSubnets(): Promise<Array<{ device: string; subnet: string }>>;
  /** What a removed network leaves on the host: its bridge device and IPAM directory. Idempotent. */
  removeBridge(cniName: string, bridge: string, rules: BridgeRule[]): Promise<void>;
  /** A tmpfs with these options (runtime/steps/ipc.ts) at the container's shm path. */
  setupIpc(id: string, tmpfsOptions: string, ctx?: StepContext): Promise<void>;
  releaseIpc(id: string, ctx?: StepContext): Promise<void>;
  /** The sources are ready (runtime/steps/volumes.ts); the driver makes the mounts its own. */
  mountVolumes(id: string, mounts: readonly VolumeMount[], ctx?: StepContext): Promise<void>;
  unmountVolumes(id: string, ctx?: StepContext): Promise<void>;
  /** mkdir -p of `dir` inside the mounted rootfs, no escape (NotADirectory 400 when a file is in the way). */
  setupWorkingDir(id: string, dir: string): Promise<void>;
  writeSpec(id: string, plan: SpecPlan): Promise<void>;
  /** The container's /etc/hosts lines for its peers on user-defined networks (runtime/peer-hosts.ts), in place. */
  writePeerHosts(id: string, lines: readonly string[]): Promise<void>;
  removeSpec(id: string): Promise<void>;
  /** Starts the bundle's process (or adopts the one running); resolves once it runs. */
  startProcess(id: string, ctx?: StepContext): Promise<{ pid: number }>;
  /** Kill the registered execs and the process, wait, runtime delete, drop their records. */
  unregisterProcess(id: string, ctx?: StepContext): Promise<void>;

  /** Whether the process of a container recorded Running still runs. */
  probeProcess(id: string): Promise<ProcessProbe>;
  /**
   * The files the driver writes when the container's process starts or exits: the monitor watches them
   * (inotify) to probe at once on a change rather than on a timer (runtime/monitor.ts). Paths only, which
   * need not exist yet; a process that ends without a write to one is still seen, later, by a probe.
   */
  processStateFiles(id: string): string[];
  /** Signals the process (`signal`, default SIGTERM; SIGKILL after the timeout) and returns its exit code. */
  terminate(id: string, timeoutSeconds: number, ctx?: StepContext, signal?: number): Promise<number>;
  /**
   * Sends `signal` (a number) to the container's process; false when there is no process to signal (it has
   * exited). Returns once sent: it does not wait for the process to exit.
   */
  signalProcess(id: string, signal: number): Promise<boolean>;
  /** Freezes every process of the container (the cgroup freezer: runc pause). */
  pauseProcess(id: string): Promise<void>;
  /** Thaws them (runc resume). Fine when they are not frozen. */
  resumeProcess(id: string): Promise<void>;
  /** The host pids of the container's processes (docker top): its cgroup's; none once it has exited. */
  processIds(id: string): Promise<number[]>;
  /**
   * Runs an exec in the container's namespaces and resolves once it has ended; stdout and stderr go to its
   * files (exec-layout.ts). Registers it (its record, exec-layout.ts) while it runs, so unregisterProcess
   * kills it; adopts an exec of the same ID an earlier attempt started. `onStart` is called once it runs.
   * When ctx.signal aborts, the exec is killed and the call rejects.
   */
  runExec(id: string, plan: ExecPlan, ctx?: ExecContext): Promise<ExecOutcome>;
  /** Kills the exec if it still runs and drops its record (not its output). Idempotent. */
  releaseExec(id: string, execId: string, ctx?: StepContext): Promise<void>;
  /** Deletes the container's own files (upper dir, logs, bundle dir) once everything is released. */
  removeContainerFiles(id: string): Promise<void>;
  /** cp (runtime/archive/): the running process's root as the host reaches it (volumes, tmpfs); else undefined. */
  processRoot(id: string): Promise<string | undefined>;
  /**
   * export, commit, cp of a stopped container: `fn` given the merged rootfs, as mounted while the container runs,
   * else mounted for the call and unmounted after whatever `fn` does (left mounted only if a start took it meanwhile).
   */
  withRootfs<T>(id: string, plan: RootfsPlan, fn: (rootfs: string) => Promise<T>): Promise<T>;
  /** The directory of the container's own changes (diff, commit): the overlay's upper; simulated: its rootfs dir. */
  upperDir(id: string): string;
  /** Every resource the driver holds (mounts, netns, IPs, processes…), for leak checks and gc. */
  heldResources(): Promise<HeldResource[]>;
}

/** The image's layers for the rootfs overlay (runtime/steps/rootfs.ts reads them from the image store). */
export interface RootfsPlan {
  /** the image ID */
  image: string;
  /** lowerdir through the store's short links (top first), relative to `cwd` (overlay2's way under the page limit) */
  lower: { cwd: string; lowerdir: string };
  /** the layers bottom first, with their directories */
  layers: { diffID: string; dir: string }[];
  /** the image store's root: copies of the layers with owners shifted (USERNS_REMAP) go beside its own */
  storeRoot: string;
}
