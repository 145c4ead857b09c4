/**
 * Docker's start errors as failure types. The `type` string is what crosses Temporal (ApplicationFailure.type),
 * so retry decisions and client branches key on it. Messages and HTTP statuses are modern Docker's.
 */
export const ErrorTypes = {
  NoSuchContainer: 'NoSuchContainer',
  NoSuchImage: 'NoSuchImage',
  NoSuchVolume: 'NoSuchVolume',
  NoSuchNetwork: 'NoSuchNetwork',
  AmbiguousContainer: 'AmbiguousContainer',
  InvalidParameter: 'InvalidParameter',
  StartPaused: 'StartPaused',
  AlreadyStarted: 'AlreadyStarted',
  HostConfigStart: 'HostConfigStart',
  InvalidSecurityOpt: 'InvalidSecurityOpt',
  InvalidSettings: 'InvalidSettings',
  ContainerBeingRemoved: 'ContainerBeingRemoved',
  StartInProgress: 'StartInProgress',
  Conflict: 'Conflict',
  ContainerNotRunning: 'ContainerNotRunning',
  NotADirectory: 'NotADirectory',
  InvalidMount: 'InvalidMount',
  Forbidden: 'Forbidden',
  CommandNotFound: 'CommandNotFound',
  CommandNotInvocable: 'CommandNotInvocable',
  StartFailed: 'StartFailed',
  InjectedFault: 'InjectedFault',
  RuntimeUnavailable: 'RuntimeUnavailable',
  CompensationIncomplete: 'CompensationIncomplete',
  /** `--host NAME` (create, image import, host drain) names no registered host */
  NoSuchHost: 'NoSuchHost',
  /** no live, active host can take the container (placement), or its host's worker is gone (a step not picked up) */
  HostUnavailable: 'HostUnavailable',
  Internal: 'Internal',
} as const;
export type ErrorType = (typeof ErrorTypes)[keyof typeof ErrorTypes];

/** HTTP status Docker answers with for each error type. */
export const ErrorStatus: Record<ErrorType, number> = {
  NoSuchContainer: 404,
  NoSuchImage: 404,
  NoSuchVolume: 404,
  NoSuchNetwork: 404,
  AmbiguousContainer: 400,
  InvalidParameter: 400,
  StartPaused: 409,
  AlreadyStarted: 304,
  HostConfigStart: 400,
  InvalidSecurityOpt: 400,
  InvalidSettings: 400,
  ContainerBeingRemoved: 409,
  StartInProgress: 409,
  Conflict: 409,
  ContainerNotRunning: 409,
  NotADirectory: 400,
  InvalidMount: 400,
  // refused by the host's policy (CONTAINER_SAGA_BIND_ALLOW): Docker's authorization plugins answer 403
  Forbidden: 403,
  CommandNotFound: 400,
  CommandNotInvocable: 400,
  StartFailed: 500,
  InjectedFault: 500,
  RuntimeUnavailable: 500,
  CompensationIncomplete: 500,
  NoSuchHost: 404,
  // Swarm answers 503 when no node can take a task; a host that went away is the same for the client
  HostUnavailable: 503,
  Internal: 500,
};

/** Error types worth retrying: everything else is a fact about the input or the container, not a glitch. */
const RETRYABLE: ReadonlySet<ErrorType> = new Set<ErrorType>(['Internal', 'RuntimeUnavailable']);

export function isRetryableType(type: string): boolean {
  return RETRYABLE.has(type as ErrorType);
}

/** Exit codes Docker records when the process could not be started. */
export const StartExitCodes = { CommandNotFound: 127, CommandNotInvocable: 126, Other: 128 } as const;

/** Docker's fixed messages. */
export const Messages = {
  noSuchContainer: (ref: string) => `No such container: ${ref}`,
  noSuchImage: (ref: string) => `No such image: ${ref}`,
  noSuchVolume: (name: string) => `get ${name}: no such volume`,
  startPaused: 'Cannot start a paused container, try unpause instead.',
  alreadyStarted: 'Container already started',
  hostConfigStart: 'Supplying a hostConfig on start is not supported. It should be supplied on create.',
  beingRemoved: 'Container is marked for removal and cannot be started.',
  invalidSecurityOpt: (opt: string) => `Invalid --security-opt: ${JSON.stringify(opt)}`,
  startInProgress: (id: string, owner: string) =>
    `Conflict: container ${id} is already being started by workflow ${owner}`,
  notADirectory: (p: string) => `Cannot mkdir: ${p} is not a directory`,
  // kill, pause, unpause, exec (daemon/kill.go, pause.go, unpause.go, exec.go): Docker names the full ID
  notRunning: (id: string) => `Container ${id} is not running`,
  cannotKill: (ref: string, why: string) => `Cannot kill container: ${ref}: ${why}`,
  alreadyPaused: (id: string) => `Container ${id} is already paused`,
  notPaused: (id: string) => `Container ${id} is not paused`,
  restarting: (id: string) => `Container ${id} is restarting, wait until the container is running`,
  execPaused: (id: string) => `Container ${id} is paused, unpause the container before exec`,
} as const;

/**
 * The error every layer below the workflow throws: a Docker error type, its message and whether a retry can
 * help. Plain data so it serializes; activities turn it into an ApplicationFailure of the same type.
 */
export class ContainerError extends Error {
  readonly type: ErrorType;
  readonly status: number;
  readonly retryable: boolean;
  constructor(type: ErrorType, message: string, opts: { retryable?: boolean; cause?: unknown } = {}) {
    super(message);
    this.name = 'ContainerError';
    this.type = type;
    this.status = ErrorStatus[type];
    this.retryable = opts.retryable ?? isRetryableType(type);
    if (opts.cause !== undefined) (this as { cause?: unknown }).cause = opts.cause;
  }
}

/** The detail attached to every failure that leaves a container start: enough for a client to print Docker's line. */
export interface FailureDetail {
  type: ErrorType;
  message: string;
  status: number;
}
