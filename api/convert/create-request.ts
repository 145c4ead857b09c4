import { LOG_DRIVER } from '../../common/log-config';
import { VALID_NAME } from '../../common/lookup';
import { defaultNetMode } from '../../common/net-mode';
import type { CreateRequest, HostConfig, PortMap, RestartPolicy } from '../../common/types';
import { badRequest } from '../http';
import {
  checkFields,
  checkNested,
  CONFIG_FIELDS,
  HOST_CONFIG_FIELDS,
  LOG_CONFIG_FIELDS,
  NETWORKING_CONFIG_FIELDS,
  RESTART_POLICY_FIELDS,
} from './create-schema';
import { resourceFields } from './create-resources';
import { declaredVolumes, mountFields } from './create-mounts';
import { toHealthConfig } from './create-health';
import { extraHostFields, stopTimeoutField } from './create-extras';
import { checkReference } from './image-ref';
import { toEndpointConfig } from './network-request';
import {
  isPlainObject,
  isZero,
  optBool,
  optInt,
  optObject,
  optStrSlice,
  optString,
  optStringList,
  optStringMap,
} from './json-value';
import { bareName } from '../../common/names';

/**
 * POST /containers/create's body (Docker's Config at the top level, HostConfig, NetworkingConfig) and its
 * `name` → container-saga's CreateRequest. Every field is checked first (create-schema.ts): what we cannot
 * honour is refused, never dropped. The values themselves (modes, binds, sizes, policies) are validated by
 * the create workflow, with Docker's messages, as for the CLI.
 *
 * Entrypoint and Cmd go apart, as sent (null: the image's); the host's create merges them with the image's
 * config and answers Docker's 400 "No command specified" when neither has one.
 */
export function toCreateRequest(body: Record<string, unknown>, name: string | null): CreateRequest {
  checkFields(body, CONFIG_FIELDS);
  const hc = checkNested(body.HostConfig, HOST_CONFIG_FIELDS, 'HostConfig') ?? {};
  const nc = checkNested(body.NetworkingConfig, NETWORKING_CONFIG_FIELDS, 'NetworkingConfig');

  const imageRef = optString(body.Image, 'Image');
  if (!imageRef) throw badRequest('No image was specified');
  const image = checkReference(imageRef);

  const req: CreateRequest = { image };
  const cmd = optStrSlice(body.Cmd, 'Cmd');
  if (cmd && cmd.length > 0) req.cmd = cmd;
  // `--entrypoint ""` (Docker sends [""]) and [] reset the image's entrypoint: kept as sent
  const entrypoint = optStrSlice(body.Entrypoint, 'Entrypoint');
  if (entrypoint) req.entrypoint = entrypoint;
  const user = optString(body.User, 'User');
  if (user) req.user = user;
  const stopSignal = optString(body.StopSignal, 'StopSignal');
  if (stopSignal) req.stopSignal = stopSignal;
  const health = toHealthConfig(body.Healthcheck);
  if (health) req.healthcheck = health;
  const stopTimeout = stopTimeoutField(body.StopTimeout);
  if (stopTimeout !== undefined) req.stopTimeout = stopTimeout;
  if (name !== null && name !== '') {
    if (!VALID_NAME.test(name))
      throw badRequest(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    req.name = bareName(name);
  }
  const env = optStringList(body.Env, 'Env');
  if (env && env.length > 0) req.env = env;
  const workingDir = optString(body.WorkingDir, 'WorkingDir');
  if (workingDir) req.workingDir = workingDir;
  const hostname = optString(body.Hostname, 'Hostname');
  if (hostname) req.hostname = hostname;
  const domainname = optString(body.Domainname, 'Domainname');
  if (domainname) req.domainname = domainname;
  if (optBool(body.Tty, 'Tty')) req.tty = true;
  if (optBool(body.OpenStdin, 'OpenStdin')) req.openStdin = true;
  if (optBool(body.StdinOnce, 'StdinOnce')) req.stdinOnce = true;
  const exposed = exposedPorts(body.ExposedPorts);
  if (exposed.length > 0) req.exposedPorts = exposed;
  const labels = optStringMap(body.Labels, 'Labels');
  if (labels && Object.keys(labels).length > 0) req.labels = labels;

  const hostConfig = toHostConfig(hc);
  const volumes = declaredVolumes(body.Volumes);
  if (volumes.length > 0) req.volumes = volumes;
  const endpoints = toEndpoints(nc, hostConfig.NetworkMode ?? '');
  if (endpoints) req.endpoints = endpoints;
  if (Object.keys(hostConfig).length > 0) req.hostConfig = hostConfig;
  return req;
}

/** ExposedPorts' keys ("80/tcp", "53/udp", "80"), checked as Docker's daemon checks them. */
function exposedPorts(value: unknown): string[] {
  const ports = optObject(value, 'ExposedPorts') ?? {};
  return Object.keys(ports).map((key) => {
    const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(key);
    if (!m || Number(m[1]) > 65535) throw badRequest(`invalid port specification: ${JSON.stringify(key)}`);
    return `${Number(m[1])}/${m[2] ?? 'tcp'}`;
  });
}

/** The HostConfig fields container-saga honours, each only when set (absent fields take the create's defaults). */
function toHostConfig(hc: Record<string, unknown>): Partial<HostConfig> {
  const out: Partial<HostConfig> = {};
  const networkMode = optString(hc.NetworkMode, 'HostConfig.NetworkMode');
  if (networkMode) out.NetworkMode = networkMode;
  const ports = portBindings(hc.PortBindings);
  if (ports) out.PortBindings = ports;
  if (optBool(hc.PublishAllPorts, 'HostConfig.PublishAllPorts')) out.PublishAllPorts = true;
  const binds = optStringList(hc.Binds, 'HostConfig.Binds');
  if (binds && binds.length > 0) out.Binds = binds;
  const tmpfs = optStringMap(hc.Tmpfs, 'HostConfig.Tmpfs');
  if (tmpfs && Object.keys(tmpfs).length > 0) out.Tmpfs = tmpfs;
  const shmSize = optInt(hc.ShmSize, 'HostConfig.ShmSize');
  if (shmSize) out.ShmSize = shmSize;
  const ipcMode = optString(hc.IpcMode, 'HostConfig.IpcMode');
  if (ipcMode) out.IpcMode = ipcMode;
  const securityOpt = optStringList(hc.SecurityOpt, 'HostConfig.SecurityOpt');
  if (securityOpt && securityOpt.length > 0) out.SecurityOpt = securityOpt;
  // kept as sent (Docker's inspect shows them so); the create check validates the names
  const capAdd = optStrSlice(hc.CapAdd, 'HostConfig.CapAdd');
  if (capAdd && capAdd.length > 0) out.CapAdd = capAdd;
  const capDrop = optStrSlice(hc.CapDrop, 'HostConfig.CapDrop');
  if (capDrop && capDrop.length > 0) out.CapDrop = capDrop;
  if (optBool(hc.Privileged, 'HostConfig.Privileged')) out.Privileged = true;
  const restart = restartPolicy(hc.RestartPolicy);
  if (restart) out.RestartPolicy = restart;
  if (optBool(hc.AutoRemove, 'HostConfig.AutoRemove')) out.AutoRemove = true;
  const links = optStringList(hc.Links, 'HostConfig.Links');
  if (links && links.length > 0) out.Links = links.map((l) => bareName(l));
  const memory = optInt(hc.Memory, 'HostConfig.Memory');
  if (memory) out.Memory = memory;
  const nanoCpus = optInt(hc.NanoCpus, 'HostConfig.NanoCpus');
  if (nanoCpus) out.NanoCpus = nanoCpus;
  const pidsLimit = optInt(hc.PidsLimit, 'HostConfig.PidsLimit');
  if (pidsLimit) out.PidsLimit = pidsLimit;
  Object.assign(out, resourceFields(hc));
  Object.assign(out, mountFields(hc));
  Object.assign(out, extraHostFields(hc));
  if (optBool(hc.ReadonlyRootfs, 'HostConfig.ReadonlyRootfs')) out.ReadonlyRootfs = true;
  for (const f of ['Dns', 'DnsSearch', 'DnsOptions', 'ExtraHosts'] as const) {
    const list = optStringList(hc[f], `HostConfig.${f}`);
    if (list && list.length > 0) out[f] = list;
  }
  const logConfig = checkNested(hc.LogConfig, LOG_CONFIG_FIELDS, 'HostConfig.LogConfig');
  if (logConfig && !isZero(logConfig)) {
    const type = optString(logConfig.Type, 'HostConfig.LogConfig.Type');
    out.LogConfig = {
      Type: type || LOG_DRIVER,
      Config: optStringMap(logConfig.Config, 'HostConfig.LogConfig.Config') ?? {},
    };
  }
  return out;
}

/** HostConfig.PortBindings' shape (HostIp, HostPort default to ''); the create check checks the values. */
function portBindings(value: unknown): PortMap | undefined {
  const map = optObject(value, 'HostConfig.PortBindings');
  if (!map || Object.keys(map).length === 0) return undefined;
  const out: PortMap = {};
  for (const [key, list] of Object.entries(map)) {
    const path = `HostConfig.PortBindings.${key}`;
    if (list === null) {
      out[key] = [];
      continue;
    }
    if (!Array.isArray(list)) throw badRequest(`invalid ${path}: want an array`);
    out[key] = list.map((b: unknown) => {
      if (!isPlainObject(b)) throw badRequest(`invalid ${path}: want objects`);
      return {
        HostIp: optString(b.HostIp, `${path}.HostIp`) ?? '',
        HostPort: optString(b.HostPort, `${path}.HostPort`) ?? '',
      };
    });
  }
  return out;
}

function restartPolicy(value: unknown): RestartPolicy | undefined {
  const rp = checkNested(value, RESTART_POLICY_FIELDS, 'HostConfig.RestartPolicy');
  if (!rp) return undefined;
  const name = optString(rp.Name, 'HostConfig.RestartPolicy.Name') ?? '';
  const count = optInt(rp.MaximumRetryCount, 'HostConfig.RestartPolicy.MaximumRetryCount') ?? 0;
  if (name === '' && count === 0) return undefined;
  return { Name: name as RestartPolicy['Name'], MaximumRetryCount: count };
}

/**
 * NetworkingConfig.EndpointsConfig → the create's endpoints (aliases, links, --ip per network; API 1.44's
 * several networks at create). The mode's own entry with every setting at zero (what newer clients send) asks
 * for nothing beyond the mode; `default` names the mode's network. Whether each network exists and takes
 * those settings is the host's question (runtime/create-network.ts).
 */
function toEndpoints(nc: Record<string, unknown> | undefined, networkMode: string): CreateRequest['endpoints'] {
  const endpoints = optObject(nc?.EndpointsConfig, 'NetworkingConfig.EndpointsConfig') ?? {};
  const mode = defaultNetMode(networkMode);
  const own = mode === 'bridge' ? ['bridge', 'default', networkMode] : ['default', networkMode];
  const out: NonNullable<CreateRequest['endpoints']> = {};
  for (const [network, settings] of Object.entries(endpoints)) {
    const path = `NetworkingConfig.EndpointsConfig.${network}`;
    if (settings !== null && settings !== undefined && !isPlainObject(settings))
      throw badRequest(`invalid ${path}: want an object`);
    const config = toEndpointConfig(settings, path);
    const key = network === 'default' ? mode : network;
    if (own.includes(network) && !config) continue;
    out[key] = config ?? {};
  }
  return Object.keys(out).length ? out : undefined;
}
