/** Names that clients, workers and scripts share. They are contracts: keep them stable. */

export const DEFAULT_TASK_QUEUE = 'container-saga';

/** Workflow type names, registered by the worker and started by any Temporal client by name. */
export const WorkflowTypes = {
  start: 'containerStart',
  create: 'containerCreate',
  inspect: 'containerInspect',
  list: 'containerList',
  events: 'containerEvents',
  stop: 'containerStop',
  remove: 'containerRemove',
  logs: 'containerLogs',
  imageImport: 'imageImport',
  imageList: 'imageList',
  imageSave: 'imageSave',
  imageLoad: 'imageLoad',
  imageTag: 'imageTag',
  imageRemove: 'imageRemove',
  imagePrune: 'imagePrune',
  imagePull: 'imagePull',
  volumeCreate: 'volumeCreate',
  volumeList: 'volumeList',
  volumeInspect: 'volumeInspect',
  volumeRemove: 'volumeRemove',
  volumePrune: 'volumePrune',
  networkCreate: 'networkCreate',
  networkRemove: 'networkRemove',
  networkPrune: 'networkPrune',
  networkConnect: 'networkConnect',
  networkDisconnect: 'networkDisconnect',
  gc: 'containerGc',
  monitor: 'containerMonitor',
  restore: 'containerRestore',
  wait: 'containerWait',
  kill: 'containerKill',
  pause: 'containerPause',
  unpause: 'containerUnpause',
  exec: 'containerExec',
  execOutput: 'containerExecOutput',
  reads: 'containerReads',
  hosts: 'containerHosts',
  rename: 'containerRename',
  containerPrune: 'containerPrune',
} as const;

/**
 * One start per container at a time: the workflow ID is derived from the full container ID, and clients
 * start with conflict policy USE_EXISTING so a second start attaches to the running saga.
 */
export function startWorkflowId(containerId: string): string {
  return `container-start-${containerId}`;
}

/** Stop and remove of one container share an ID prefix with start so they are easy to find in the Web UI. */
export function lifecycleWorkflowId(verb: 'stop' | 'remove', containerId: string): string {
  return `container-${verb}-${containerId}`;
}

/** One exec per workflow: its ID is derived from the exec ID, which the client chooses (64 hex digits). */
export function execWorkflowId(execId: string): string {
  return `container-exec-${execId}`;
}

/**
 * The one reads workflow of a task queue (common/reads-api.ts): `container-saga-reads` on the default queue,
 * its own on any other (tests, a second deployment), so two queues' workers never serve each other's reads.
 */
export function readsWorkflowId(taskQueue: string): string {
  return taskQueue === DEFAULT_TASK_QUEUE ? `${DEFAULT_TASK_QUEUE}-reads` : `${DEFAULT_TASK_QUEUE}-reads-${taskQueue}`;
}

/**
 * Custom search attributes (their typed keys are in common/search-attributes.ts). Set at start by the client
 * on every workflow that changes a container, upserted by the start saga and the monitor; `npm run server`
 * and the tests' servers register them, a cluster of your own needs them registered once (docs/operations.md).
 */
export const SearchAttributeNames = {
  containerId: 'ContainerId',
  containerName: 'ContainerName',
  image: 'Image',
  /** a failed start's step (the saga's step name: `network`, `process`…) */
  failedStep: 'FailedStep',
  /** a failed start's Docker error type (`InjectedFault`, `CommandNotFound`…) */
  errorType: 'ErrorType',
  /** the monitor's view of its container: `running` or `restarting` */
  containerState: 'ContainerState',
  /** restarts by the restart policy so far (Docker's RestartCount), on the monitor */
  restartCount: 'RestartCount',
} as const;

/** Each search attribute's type, as `temporal operator search-attribute create --type` names it. */
export const SearchAttributeTypes: Record<
  (typeof SearchAttributeNames)[keyof typeof SearchAttributeNames],
  'Keyword' | 'Int'
> = {
  ContainerId: 'Keyword',
  ContainerName: 'Keyword',
  Image: 'Keyword',
  FailedStep: 'Keyword',
  ErrorType: 'Keyword',
  ContainerState: 'Keyword',
  RestartCount: 'Int',
};

/** Query served by a running start saga: the progress record so far (steps done, compensations run). */
export const PROGRESS_QUERY = 'progress';

/** A full container ID: 64 lowercase hex digits (the one form a lookup reads directly). */
export function isFullId(s: string): boolean {
  return /^[0-9a-f]{64}$/.test(s);
}

/** A container name without Docker's leading slash: "/web" → "web". */
export function bareName(name: string): string {
  return name.replace(/^\//, '');
}
