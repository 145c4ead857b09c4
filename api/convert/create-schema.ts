import { badRequest } from '../http';
import { isPlainObject, isZero } from './json-value';

/**
 * The fields of Docker's create body (container.Config at the top level, HostConfig, NetworkingConfig's
 * endpoints), from the Engine API's ContainerConfig / HostConfig / EndpointSettings definitions (v1.41, plus
 * the fields later clients send at their zero values). Each field is one of:
 *   convert  honoured: create-request.ts turns it into the CreateRequest;
 *   ignore   accepted at any value: it only tells the client what to do (attach, the ID file, the TTY size);
 *   zero     a Docker feature container-saga does not have: accepted at its zero value (what the docker CLI
 *            sends when the flag is not used) or one of the listed defaults, otherwise a 400 naming it. A map's
 *            zero value is the empty map: its keys are what it sets (`Volumes: {"/data": {}}`), whereas a
 *            struct whose every field is zero is zero.
 * A field in none of the lists is not Docker's: a 400 "unknown field".
 */
export type FieldRule = 'convert' | 'ignore' | { zero: readonly unknown[]; map?: true };

const Z: FieldRule = { zero: [] };
/** an unsupported map (Go's map type): zero only when empty */
const M: FieldRule = { zero: [], map: true };
const zeroOr = (...defaults: unknown[]): FieldRule => ({ zero: defaults });

export const CONFIG_FIELDS: Readonly<Record<string, FieldRule>> = {
  Hostname: 'convert',
  Domainname: 'convert',
  User: 'convert',
  AttachStdin: 'ignore',
  AttachStdout: 'ignore',
  AttachStderr: 'ignore',
  ExposedPorts: 'convert',
  Tty: 'convert',
  OpenStdin: 'convert',
  StdinOnce: 'convert',
  Env: 'convert',
  Cmd: 'convert',
  Healthcheck: 'convert',
  ArgsEscaped: 'ignore',
  Image: 'convert',
  Volumes: 'convert',
  WorkingDir: 'convert',
  Entrypoint: 'convert',
  NetworkDisabled: Z,
  MacAddress: Z,
  OnBuild: Z,
  Labels: 'convert',
  StopSignal: 'convert',
  StopTimeout: 'convert',
  Shell: Z,
  // the two objects beside Config in the body; checked field by field themselves
  HostConfig: 'convert',
  NetworkingConfig: 'convert',
  // query parameters that dockerode (and others) repeat in the body: Docker ignores them there, and so do we
  // (the query's name is the one that counts)
  name: 'ignore',
  platform: 'ignore',
};

export const HOST_CONFIG_FIELDS: Readonly<Record<string, FieldRule>> = {
  Binds: 'convert',
  ContainerIDFile: 'ignore',
  LogConfig: 'convert',
  NetworkMode: 'convert',
  PortBindings: 'convert',
  RestartPolicy: 'convert',
  AutoRemove: 'convert',
  VolumeDriver: zeroOr('local'),
  VolumesFrom: 'convert',
  ConsoleSize: 'ignore',
  Annotations: M,
  CapAdd: 'convert',
  CapDrop: 'convert',
  Capabilities: Z,
  CgroupnsMode: 'convert',
  Dns: 'convert',
  DnsOptions: 'convert',
  DnsSearch: 'convert',
  ExtraHosts: 'convert',
  GroupAdd: 'convert',
  IpcMode: 'convert',
  Cgroup: Z,
  Links: 'convert',
  OomScoreAdj: 'convert',
  PidMode: Z,
  Privileged: 'convert',
  PublishAllPorts: 'convert',
  ReadonlyRootfs: 'convert',
  SecurityOpt: 'convert',
  StorageOpt: M,
  Tmpfs: 'convert',
  UTSMode: Z,
  UsernsMode: Z,
  ShmSize: 'convert',
  Sysctls: M,
  Runtime: zeroOr('runc'),
  Isolation: zeroOr('default'),
  CpuShares: 'convert',
  Memory: 'convert',
  NanoCpus: 'convert',
  CgroupParent: Z,
  BlkioWeight: Z,
  BlkioWeightDevice: Z,
  BlkioDeviceReadBps: Z,
  BlkioDeviceWriteBps: Z,
  BlkioDeviceReadIOps: Z,
  BlkioDeviceWriteIOps: Z,
  CpuPeriod: Z,
  CpuQuota: Z,
  CpuRealtimePeriod: Z,
  CpuRealtimeRuntime: Z,
  CpusetCpus: Z,
  CpusetMems: Z,
  Devices: 'convert',
  DeviceCgroupRules: Z,
  DeviceRequests: Z,
  KernelMemory: Z,
  KernelMemoryTCP: Z,
  MemoryReservation: Z,
  MemorySwap: 'convert',
  // the docker CLI sends -1 (the kernel's default) when --memory-swappiness is not given
  MemorySwappiness: zeroOr(-1),
  OomKillDisable: 'convert',
  PidsLimit: 'convert',
  Ulimits: 'convert',
  CpuCount: Z,
  CpuPercent: Z,
  IOMaximumIOps: Z,
  IOMaximumBandwidth: Z,
  Mounts: 'convert',
  MaskedPaths: Z,
  ReadonlyPaths: Z,
  Init: 'convert',
};

/** An endpoint of NetworkingConfig.EndpointsConfig (and of a connect): aliases, links and --ip. */
export const ENDPOINT_FIELDS: Readonly<Record<string, FieldRule>> = {
  IPAMConfig: 'convert',
  Links: 'convert',
  Aliases: 'convert',
  ...Object.fromEntries(
    [
      'MacAddress',
      'GwPriority',
      'NetworkID',
      'EndpointID',
      'Gateway',
      'IPAddress',
      'IPPrefixLen',
      'IPv6Gateway',
      'GlobalIPv6Address',
      'GlobalIPv6PrefixLen',
      'DNSNames',
    ].map((f) => [f, Z]),
  ),
  DriverOpts: M,
};

/** An endpoint's IPAMConfig: an IPv4 address only. */
export const ENDPOINT_IPAM_FIELDS: Readonly<Record<string, FieldRule>> = {
  IPv4Address: 'convert',
  IPv6Address: Z,
  LinkLocalIPs: Z,
};

/** POST /networks/create's body (Docker's NetworkCreateRequest): a local IPv4 bridge network. */
export const NETWORK_CREATE_FIELDS: Readonly<Record<string, FieldRule>> = {
  Name: 'convert',
  Driver: 'convert',
  Internal: 'convert',
  Attachable: 'convert',
  EnableIPv6: 'convert',
  EnableIPv4: zeroOr(true),
  Labels: 'convert',
  Options: 'convert',
  IPAM: 'convert',
  CheckDuplicate: 'ignore', // deprecated: names are always unique
  Scope: zeroOr('local'),
  Ingress: Z,
  ConfigOnly: Z,
  ConfigFrom: M,
};
export const IPAM_FIELDS: Readonly<Record<string, FieldRule>> = {
  Driver: 'convert',
  Config: 'convert',
  Options: 'convert',
};
export const IPAM_POOL_FIELDS: Readonly<Record<string, FieldRule>> = {
  Subnet: 'convert',
  Gateway: 'convert',
  IPRange: 'convert',
  AuxiliaryAddresses: M,
};

export const NETWORKING_CONFIG_FIELDS: Readonly<Record<string, FieldRule>> = { EndpointsConfig: 'convert' };
export const RESTART_POLICY_FIELDS: Readonly<Record<string, FieldRule>> = {
  Name: 'convert',
  MaximumRetryCount: 'convert',
};
export const LOG_CONFIG_FIELDS: Readonly<Record<string, FieldRule>> = { Type: 'convert', Config: 'convert' };

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Checks an object of the body against its field rules: an unknown field, or an unsupported one set to
 * something else than its zero or default, is a 400 naming it (`prefix` is its path in the body).
 */
export function checkFields(
  obj: Record<string, unknown>,
  rules: Readonly<Record<string, FieldRule>>,
  prefix = '',
): void {
  for (const [field, value] of Object.entries(obj)) {
    const rule = Object.hasOwn(rules, field) ? rules[field] : undefined;
    const path = `${prefix}${field}`;
    if (rule === undefined) throw badRequest(`unknown field "${path}" in the container configuration`);
    if (rule === 'convert' || rule === 'ignore') continue;
    const zero = rule.map
      ? value === null || value === undefined || (isPlainObject(value) && Object.keys(value).length === 0)
      : isZero(value);
    if (zero || rule.zero.some((d) => same(d, value))) continue;
    throw badRequest(`container-saga does not support ${path}`);
  }
}

/** checkFields for a nested object that may be absent or null. */
export function checkNested(
  value: unknown,
  rules: Readonly<Record<string, FieldRule>>,
  path: string,
): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) throw badRequest(`invalid ${path}: want an object`);
  checkFields(value, rules, `${path}.`);
  return value;
}
