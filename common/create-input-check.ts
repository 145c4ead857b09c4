import type { LogConfig } from './log-config';
import type { CreateRequest, HealthConfig, HostConfig, RestartPolicy } from './types';
import { endpointConfig } from './network-input-check';
import { EXTRA_HOST_CONFIG } from './resource-input-check';
import { MOUNT_SPEC } from './mount-input-check';
import { bool, int, invalid, list, map, obj, oneOf, opt, req, str, type Check, type Field } from './value-checks';

/** The create request's shape (common/input-check.ts checks every workflow's input; this is create's part). */

const IMAGE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.:/@-]*$/;

/** Whether `name` can name an image here: Docker's reference characters, never a `..` (image import and create). */
export function isImageName(name: string): boolean {
  return IMAGE_NAME.test(name) && !name.includes('..');
}

/**
 * distribution/reference's NameTotalLengthMax, for the whole reference here: an image is a directory named
 * after it (images/<name>), and a longer one is longer than a file name may be (the import would fail
 * with ENAMETOOLONG, untyped).
 */
const IMAGE_NAME_MAX = 255;

export const imageName: Check = (v, path) => {
  str(v, path);
  if ((v as string).length > IMAGE_NAME_MAX)
    throw invalid(path, `invalid reference format: repository name must not be more than ${IMAGE_NAME_MAX} characters`);
  // empty: left to the runtime's "No image was specified"
  if (v !== '' && !isImageName(v as string)) throw invalid(path, `invalid reference format: ${JSON.stringify(v)}`);
};

const RESTART_POLICY: { [K in keyof RestartPolicy]-?: Field } = { Name: req(str), MaximumRetryCount: req(int()) };
/** A PortMap's value: its bindings, or null (exposed, not published). */
const portBindings: Check = (v, path) => {
  if (v !== null) list(obj({ HostIp: req(str), HostPort: req(str) }, true))(v, path);
};
const LOG_CONFIG: { [K in keyof LogConfig]-?: Field } = { Type: req(str), Config: req(map(str)) };
/**
 * Every HostConfig field, each with its check: the mapped type makes the compiler refuse a HostConfig field
 * added without one here (a create with it would be refused as an unknown field otherwise).
 */
const HOST_CONFIG: { [K in keyof HostConfig]-?: Field } = {
  NetworkMode: opt(str),
  Binds: opt(list(str)),
  PortBindings: opt(map(portBindings)),
  PublishAllPorts: opt(bool),
  Tmpfs: opt(map(str)),
  Mounts: opt(list(MOUNT_SPEC)),
  VolumesFrom: opt(list(str)),
  ShmSize: opt(int()),
  IpcMode: opt(str),
  SecurityOpt: opt(list(str)),
  CapAdd: opt(list(str)),
  CapDrop: opt(list(str)),
  Privileged: opt(bool),
  RestartPolicy: opt(obj(RESTART_POLICY, true)),
  AutoRemove: opt(bool),
  Links: opt(list(str)),
  Memory: opt(int()),
  MemorySwap: opt(int(-1)),
  Ulimits: opt(list(obj({ Name: req(str), Soft: req(int(-1)), Hard: req(int(-1)) }, true))),
  OomScoreAdj: opt(int()),
  OomKillDisable: opt(bool),
  CgroupnsMode: opt(oneOf('', 'host', 'private')),
  NanoCpus: opt(int()),
  PidsLimit: opt(int()),
  ReadonlyRootfs: opt(bool),
  LogConfig: opt(obj(LOG_CONFIG, true)),
  Dns: opt(list(str)),
  DnsSearch: opt(list(str)),
  DnsOptions: opt(list(str)),
  ExtraHosts: opt(list(str)),
  ...EXTRA_HOST_CONFIG,
};
export const hostConfig = obj(HOST_CONFIG, true);

// negative values pass: the create refuses them with the daemon's messages (common/health.ts)
const HEALTH_CONFIG: { [K in keyof HealthConfig]-?: Field } = {
  Test: opt(list(str)),
  Interval: opt(int()),
  Timeout: opt(int()),
  StartPeriod: opt(int()),
  StartInterval: opt(int()),
  Retries: opt(int()),
};

const CREATE_REQUEST: { [K in keyof CreateRequest]-?: Field } = {
  name: opt(str),
  image: req(imageName),
  cmd: opt(list(str)),
  entrypoint: opt(list(str)),
  user: opt(str),
  stopSignal: opt(str),
  stopTimeout: opt(int(0)),
  healthcheck: opt(obj(HEALTH_CONFIG, true)),
  env: opt(list(str)),
  workingDir: opt(str),
  hostname: opt(str),
  domainname: opt(str),
  tty: opt(bool),
  openStdin: opt(bool),
  stdinOnce: opt(bool),
  exposedPorts: opt(list(str)),
  labels: opt(map(str)),
  hostConfig: opt(hostConfig),
  endpoints: opt(map(endpointConfig)),
  volumes: opt(list(str)),
};
export const createRequest = obj(CREATE_REQUEST, true);
