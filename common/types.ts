/** Container records with Docker's field names, shared by the workflow, activities, drivers and clients. */
import type { HealthConfig } from './image-config';
import type { HealthState } from './health';
import type { DeviceMapping } from './devices';
export type { DeviceMapping };
import type { NetworkSettings } from './network-settings';
import type { MountSpec } from './mount-spec';
import type { MountPoint } from './mount-plan';

export { NO_NETWORK, releasedNetwork, type NetworkSettings } from './network-settings';
export type { CreateRequest } from './create-request';
import { LOG_DRIVER, type LogConfig } from './log-config';

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerState {
  Status: ContainerStatus;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  RemovalInProgress: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  /** whether the kernel's OOM killer ended the last run (the cgroup's memory.events said so) */
  OOMKilled?: boolean;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  /** with a healthcheck: Docker's State.Health, kept by the monitor's probes (common/health.ts) */
  Health?: HealthState;
}

/**
 * The container's Config as create merged it with its image's (common/merge-config.ts). Records from before
 * image configs have no Entrypoint (their Cmd holds the whole command), User, StopSignal, Healthcheck or Volumes.
 */
export interface ContainerConfig {
  /** the reference as the create gave it (the ID it resolved to is the record's Image) */
  Image: string;
  Entrypoint?: string[] | null;
  Cmd: string[];
  Env: string[];
  WorkingDir: string;
  /** user[:group], names or numbers, resolved in the container's /etc/passwd and /etc/group at start */
  User?: string;
  /** what `stop` sends first (absent: SIGTERM) */
  StopSignal?: string;
  /** --stop-timeout: seconds `stop` waits before SIGKILL when given none (absent: 10) */
  StopTimeout?: number;
  /** run by the monitor (common/health.ts) unless its Test is NONE */
  Healthcheck?: HealthConfig;
  /** the create's and the image's volume paths: each an anonymous volume unless mounted otherwise */
  Volumes?: Record<string, Record<string, never>> | null;
  Hostname: string;
  /** --domainname: the UTS domain name, and the FQDN in /etc/hosts (absent: none) */
  Domainname?: string;
  Tty: boolean;
  /** -i: the process keeps a stdin (absent: false) */
  OpenStdin?: boolean;
  /** stdin closes once the first attached client goes (docker run -i without -d; absent: false) */
  StdinOnce?: boolean;
  /** the creating client attached stdin (absent: false) */
  AttachStdin?: boolean;
  ExposedPorts: Record<string, Record<string, never>>;
  Labels: Record<string, string>;
}

export interface PortBinding {
  HostIp: string;
  HostPort: string;
}
/** "80/tcp" → bindings (null: exposed, not published), as Docker's nat.PortMap */
export type PortMap = Record<string, PortBinding[] | null>;

export interface RestartPolicy {
  Name: '' | 'no' | 'always' | 'unless-stopped' | 'on-failure';
  MaximumRetryCount: number;
}

/** One rlimit as Docker's API carries it: the name without RLIMIT_ (nofile), -1 for unlimited. */
export interface Ulimit {
  Name: string;
  Soft: number;
  Hard: number;
}

export interface HostConfig {
  /** bridge (default when blank), none, host, container:<name|id> */
  NetworkMode: string;
  /** SRC:DST[:ro]; SRC absolute = bind mount, otherwise a named volume */
  Binds: string[];
  /** -p: what the start publishes, keys "80/tcp" (absent in older records) */
  PortBindings?: PortMap;
  /** -P: every exposed port without a binding on an ephemeral host port */
  PublishAllPorts?: boolean;
  /** container path → mount options (e.g. "size=10m") */
  Tmpfs: Record<string, string>;
  /** --mount: Docker's mount.Mount entries (common/mount-spec.ts); absent: none */
  Mounts?: MountSpec[];
  /** --volumes-from CONTAINER[:ro|:rw]: that container's mount points (common/mount-plan.ts) */
  VolumesFrom?: string[];
  /** bytes; 0 means the 64 MiB default */
  ShmSize: number;
  /** private (default when blank), shareable, host, container:<name|id> */
  IpcMode: string;
  /**
   * label:…, apparmor:…, no-new-privileges, seccomp=unconfined|builtin|<profile JSON> (the CLI inlines a file's
   * content)
   */
  SecurityOpt: string[];
  /** capabilities added to Docker's default set, as given (CAP_NET_ADMIN, net_admin, ALL); absent in older records */
  CapAdd?: string[];
  /** capabilities dropped from it, as given */
  CapDrop?: string[];
  /**
   * every capability, no seccomp filter, no masked or read-only paths, every device allowed (docker run --privileged)
   */
  Privileged?: boolean;
  RestartPolicy: RestartPolicy;
  /** remove the container once its process has exited (docker run --rm) */
  AutoRemove?: boolean;
  /** NAME[:ALIAS] */
  Links: string[];
  /** bytes, 0 = unlimited */
  Memory: number;
  /**
   * memory + swap in bytes (Docker's --memory-swap): -1 unlimited swap; 0 or absent with Memory set means twice
   * Memory (swap = memory), which create records; absent in older records
   */
  MemorySwap?: number;
  /** rlimits (Docker's --ulimit name=soft[:hard]); none: the container inherits the worker's */
  Ulimits?: Ulimit[];
  /** the kernel's OOM killer spares the container (cgroup v1 only: elsewhere create discards it, as Docker does) */
  OomKillDisable?: boolean;
  /** the process's /proc/self/oom_score_adj, -1000 to 1000 (absent: 0) */
  OomScoreAdj?: number;
  /** --cpu-shares: the CPU weight against other containers (absent or 0: the kernel's default, 1024) */
  CpuShares?: number;
  /** --init: tini runs as PID 1 (runtime/steps/init-process.ts) */
  Init?: boolean;
  /** --device: host device nodes given to the container, with their cgroup permissions */
  Devices?: DeviceMapping[];
  /** --group-add: supplementary groups, names from the container's /etc/group or numbers */
  GroupAdd?: string[];
  /** host or private; create records Docker's default (private on cgroup v2, host on v1); absent: host */
  CgroupnsMode?: '' | 'host' | 'private';
  NanoCpus: number;
  PidsLimit: number;
  ReadonlyRootfs: boolean;
  /**
   * Docker's log config: json-file with its max-size/max-file (common/log-config.ts); records made before it have the
   * default
   */
  LogConfig: LogConfig;
  /** --dns, --dns-search, --dns-option: each replaces that part of the host's resolv.conf (absent: the host's) */
  Dns?: string[];
  DnsSearch?: string[];
  DnsOptions?: string[];
  /** --add-host NAME:IP (IP may be host-gateway: the container's gateway), lines of /etc/hosts */
  ExtraHosts?: string[];
}

/** The workflow that holds a container's start (the per-container lock, recorded on disk). */
export interface StartOwner {
  workflowId: string;
  runId: string;
}

export interface ContainerRecord {
  Id: string;
  /** Docker keeps the leading slash: "/web" */
  Name: string;
  Created: string;
  Path: string;
  Args: string[];
  /** the image's ID (`sha256:…`) create resolved Config.Image to; absent in records from before layered images */
  Image?: string;
  Config: ContainerConfig;
  HostConfig: HostConfig;
  State: ContainerState;
  NetworkSettings: NetworkSettings;
  HasBeenStartedBefore: boolean;
  /** Set while a start saga holds the container. */
  StartingBy?: StartOwner;
  /**
   * The start saga run that marked the current (or last) run running: a run that lost its local activities'
   * results finds here that it started the container already (docs/design.md, "Lost local-activity results").
   */
  StartedBy?: StartOwner;
  /** Keys of events already emitted by retryable activities (runtime/records.ts emitEventOnce). */
  EventKeys?: string[];
  /** Resources a compensation or stop could not release; `gc` retries them. */
  Leftovers?: string[];
  /** how often the restart policy restarted the container (Docker's RestartCount) */
  RestartCount?: number;
  /**
   * Set by `stop` and `kill`, cleared by a start: no restart policy restarts a container the user stopped
   * (Docker's HasBeenManuallyStopped).
   */
  HasBeenManuallyStopped?: boolean;
  /** IDs of the execs running in the container (Docker's ExecIDs) */
  ExecIDs?: string[];
  /** the exec of the last probe whose result is in State.Health: a retried probe does not count twice */
  HealthProbeId?: string;
  /**
   * The host the container belongs to (common/hosts-api.ts), as classic Swarm's inspect shows it: filled in
   * from the state root's host when the record is read, never stored.
   */
  Node?: { ID: string; Name: string };
  /** the mount points create decided (common/mount-plan.ts); absent in older records: their Binds' */
  MountPoints?: MountPoint[];
}

export interface ContainerEvent {
  time: string;
  type: 'container' | 'image' | 'volume' | 'network';
  action:
    | 'create'
    | 'start'
    | 'die'
    | 'stop'
    | 'kill'
    | 'destroy'
    | 'import'
    | 'restart'
    | 'pause'
    | 'unpause'
    | 'update'
    | 'oom'
    | 'exec_create'
    | 'exec_start'
    | 'exec_die'
    | 'rename'
    // docker commit (attributes comment, imageID, imageRef)
    | 'commit'
    // the status of a healthcheck changed (attribute healthStatus): Docker's `health_status: healthy`
    | 'health_status'
    // image events (type image): Docker's tag, untag, delete
    | 'tag'
    | 'untag'
    | 'delete'
    // network events (type network): Docker's create, connect, disconnect, destroy
    | 'connect'
    | 'disconnect';
  id: string;
  name: string;
  attributes?: Record<string, string>;
  /**
   * the container's image and labels when the event happened (Docker puts them in the event's Actor); absent in events
   * recorded before they were
   */
  image?: string;
  labels?: Record<string, string>;
}

export function defaultHostConfig(): HostConfig {
  return {
    NetworkMode: '',
    Binds: [],
    Tmpfs: {},
    ShmSize: 0,
    IpcMode: '',
    SecurityOpt: [],
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    Links: [],
    Memory: 0,
    NanoCpus: 0,
    PidsLimit: 0,
    ReadonlyRootfs: false,
    LogConfig: { Type: LOG_DRIVER, Config: {} },
  };
}

export function initialState(): ContainerState {
  return {
    Status: 'created',
    Running: false,
    Paused: false,
    Restarting: false,
    RemovalInProgress: false,
    Dead: false,
    Pid: 0,
    ExitCode: 0,
    OOMKilled: false,
    Error: '',
    StartedAt: '0001-01-01T00:00:00Z',
    FinishedAt: '0001-01-01T00:00:00Z',
  };
}

export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

export type { HealthConfig, ImageInfo } from './image-config';
