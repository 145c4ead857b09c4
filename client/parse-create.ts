import { ContainerError } from '../common/errors';
import { checkCreateInput, isImageName } from '../common/input-check';
import { effectiveCapAddCapDrop } from '../common/capabilities';
import { LOG_DRIVER } from '../common/log-config';
import { parseIpcMode, parseNetMode } from '../common/net-mode';
import { parseBytes } from '../common/settings';
import { parseUlimit } from '../common/resources';
import type { CreateRequest, HostConfig, RestartPolicy, Ulimit } from '../common/types';
import { createInput } from './api';
import { usageError } from './errors';
import { inlineSeccompProfiles, readText, type ReadText } from './seccomp-file';
import { bareName } from '../common/names';
import { parsePublish } from '../common/ports';
import { dnsFlags, type DnsFlags } from './parse-dns';
import { mountFlags, type MountFlags } from './parse-mounts';
import { healthFlags, type HealthFlags } from './parse-health';
import { extraCreateFields, type ExtraCreateFlags } from './parse-create-extras';

/** `create`'s flags as commander hands them over. */
export interface CreateFlags extends DnsFlags, MountFlags, HealthFlags, ExtraCreateFlags {
  name?: string;
  network?: string;
  /** --network-alias (repeatable) and --ip: the --network's endpoint */
  networkAlias?: string[];
  ip?: string;
  env: string[];
  workdir?: string;
  /** one word, as the docker CLI takes it; '' resets the image's */
  entrypoint?: string;
  user?: string;
  tmpfs: string[];
  shmSize?: string;
  ipc?: string;
  securityOpt: string[];
  capAdd: string[];
  capDrop: string[];
  privileged?: boolean;
  restart?: string;
  link: string[];
  hostname?: string;
  domainname?: string;
  expose: string[];
  /** -p [ip:][hostPort:]containerPort[/proto] */
  publish?: string[];
  /** -P */
  publishAll?: boolean;
  label: string[];
  memory?: string;
  memorySwap?: string;
  ulimit?: string[];
  oomScoreAdj?: string;
  oomKillDisable?: boolean;
  cgroupns?: string;
  cpus?: string;
  pidsLimit?: string;
  readOnly?: boolean;
  tty?: boolean;
  logOpt: string[];
  /** the host the container is pinned to (else placement picks one) */
  host?: string;
}

/** Docker CLI's flag error: `invalid argument "abc" for "--shm-size" flag: …` (exit 125); the value as Go's %q. */
function bad(value: string, flag: string, why: string): never {
  throw usageError(`invalid argument "${value.replace(/["\\]/g, '\\$&')}" for "${flag}" flag: ${why}`, 'create');
}

/** A flag's number, refused when beyond int64's exact JSON range (Go's strconv says "value out of range"). */
function inRange(n: number, value: string, flag: string): number {
  if (!Number.isSafeInteger(n))
    bad(value, flag, `strconv.ParseInt: parsing ${JSON.stringify(value)}: value out of range`);
  return n + 0; // -0 (from "-0") is 0, as in Go: JSON would turn it into 0 anyway
}

function bytes(value: string, flag: string): number {
  const n = parseBytes(value);
  if (n === undefined || n < 0) bad(value, flag, `invalid size: '${value}'`);
  return inRange(n!, value, flag);
}

function restartPolicy(value: string): RestartPolicy {
  const [name, count] = value.split(':', 2) as [string, string | undefined];
  if (!['no', 'always', 'unless-stopped', 'on-failure'].includes(name))
    bad(value, '--restart', `invalid restart policy ${name}`);
  if (count !== undefined) {
    if (name !== 'on-failure')
      bad(value, '--restart', `maximum retry count cannot be used with restart policy '${name}'`);
    if (!/^\d+$/.test(count)) bad(value, '--restart', `maximum retry count must be an integer`);
  }
  return {
    Name: name as RestartPolicy['Name'],
    MaximumRetryCount: count === undefined ? 0 : inRange(Number(count), value, '--restart'),
  };
}

/** --memory-swap, --ulimit, --oom-score-adj, --oom-kill-disable, --cgroupns as the docker CLI parses them. */
function resourceFlags(flags: CreateFlags): Partial<HostConfig> {
  const out: Partial<HostConfig> = {};
  const swap = flags.memorySwap;
  if (swap !== undefined) out.MemorySwap = swap === '-1' ? -1 : bytes(swap, '--memory-swap');
  const ulimits = new Map<string, Ulimit>();
  for (const u of flags.ulimit ?? []) {
    try {
      const parsed = parseUlimit(u);
      ulimits.set(parsed.Name, parsed); // a later one of the same name wins, as in the docker CLI's map
    } catch (err) {
      bad(u, '--ulimit', (err as Error).message);
    }
  }
  if (ulimits.size > 0) out.Ulimits = [...ulimits.values()];
  const oom = flags.oomScoreAdj;
  if (oom !== undefined) {
    if (!/^[+-]?\d+$/.test(oom))
      bad(oom, '--oom-score-adj', `strconv.ParseInt: parsing ${JSON.stringify(oom)}: invalid syntax`);
    out.OomScoreAdj = inRange(Number(oom), oom, '--oom-score-adj');
  }
  if (flags.oomKillDisable) out.OomKillDisable = true;
  const ns = flags.cgroupns;
  if (ns !== undefined) {
    if (!['', 'host', 'private'].includes(ns)) throw usageError('--cgroupns: invalid CGROUP mode', 'create');
    if (ns) out.CgroupnsMode = ns as 'host' | 'private';
  }
  return out;
}

/**
 * Flags + IMAGE + CMD → Docker's create request, validating every value before anything is sent, so bad
 * input changes nothing. Pure but for `read`: `-e KEY` without a value reads KEY from `env` (Docker's
 * pass-through); `--security-opt seccomp=FILE` sends the file's content, read with `read`. `--host` is not
 * part of the request (the create workflow's input carries it, client/api.ts createInput) but is checked here
 * with it.
 */
export function parseCreate(
  flags: CreateFlags,
  image: string,
  cmd: string[],
  env: NodeJS.ProcessEnv = {},
  read: ReadText = readText,
): CreateRequest {
  // Docker's CLI parses the reference before it sends anything: `docker: invalid reference format.` (125)
  if (!isImageName(image)) throw usageError(`invalid reference format: ${JSON.stringify(image)}`, 'create');
  const request = toRequest(flags, image, cmd, env, read);
  try {
    // what the create workflow checks first (types, NUL bytes, the host's name): never send what it would refuse
    checkCreateInput(createInput(request, flags.host));
  } catch (err) {
    if (err instanceof ContainerError) throw usageError(err.message, 'create');
    throw err;
  }
  return request;
}

function toRequest(
  flags: CreateFlags,
  image: string,
  cmd: string[],
  env: NodeJS.ProcessEnv,
  read: ReadText,
): CreateRequest {
  const hostConfig: Partial<HostConfig> = {};
  if (flags.network !== undefined) {
    if (!parseNetMode(flags.network))
      bad(flags.network, '--network', "must be bridge, none, host, container:<name|id> or a network's name");
    hostConfig.NetworkMode = flags.network;
  }
  if (flags.ipc !== undefined) {
    if (!parseIpcMode(flags.ipc))
      bad(flags.ipc, '--ipc', 'must be private, shareable, host, none or container:<name|id>');
    hostConfig.IpcMode = flags.ipc;
  }
  const envOut: string[] = [];
  for (const e of flags.env) {
    if (e === '' || e.startsWith('=')) bad(e, '-e, --env', `invalid environment variable: ${e}`);
    if (e.includes('=')) envOut.push(e);
    // Docker's ValidateEnv: the value from this environment, else the bare name (which unsets KEY in the container).
    else envOut.push(env[e] !== undefined ? `${e}=${env[e]}` : e);
  }
  const mounts = mountFlags(flags, bad);
  Object.assign(hostConfig, mounts.hostConfig);
  if (flags.tmpfs.length > 0) {
    hostConfig.Tmpfs = {};
    for (const t of flags.tmpfs) {
      const colon = t.indexOf(':');
      const dest = colon < 0 ? t : t.slice(0, colon);
      if (!dest.startsWith('/')) bad(t, '--tmpfs', `invalid mount path: '${dest}' mount path must be absolute`);
      hostConfig.Tmpfs[dest] = colon < 0 ? '' : t.slice(colon + 1);
    }
  }
  if (flags.shmSize !== undefined) hostConfig.ShmSize = bytes(flags.shmSize, '--shm-size');
  if (flags.memory !== undefined) hostConfig.Memory = bytes(flags.memory, '-m, --memory');
  Object.assign(hostConfig, resourceFlags(flags));
  if (flags.cpus !== undefined) {
    if (!/^(\d+(\.\d*)?|\.\d+)$/.test(flags.cpus))
      bad(flags.cpus, '--cpus', `failed to parse ${flags.cpus} as a rational number`);
    const cpus = Number(flags.cpus);
    hostConfig.NanoCpus = inRange(Math.round(cpus * 1e9), flags.cpus, '--cpus');
  }
  if (flags.pidsLimit !== undefined) {
    if (!/^-?\d+$/.test(flags.pidsLimit)) bad(flags.pidsLimit, '--pids-limit', 'must be an integer');
    hostConfig.PidsLimit = inRange(Number(flags.pidsLimit), flags.pidsLimit, '--pids-limit');
  }
  if (flags.securityOpt.length > 0) hostConfig.SecurityOpt = inlineSeccompProfiles(flags.securityOpt, read);
  // as the docker CLI: normalized, not checked (the daemon checks the names)
  const { capAdd, capDrop } = effectiveCapAddCapDrop(flags.capAdd ?? [], flags.capDrop ?? []);
  if (capAdd.length > 0) hostConfig.CapAdd = capAdd;
  if (capDrop.length > 0) hostConfig.CapDrop = capDrop;
  if (flags.privileged) hostConfig.Privileged = true;
  if (flags.restart !== undefined) hostConfig.RestartPolicy = restartPolicy(flags.restart);
  if (flags.link.length > 0) {
    hostConfig.Links = flags.link.map((l) => {
      if (!/^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]*(:[a-zA-Z0-9][a-zA-Z0-9_.-]*)?$/.test(l))
        bad(l, '--link', `bad format for links: ${l}`);
      return bareName(l);
    });
  }
  if (flags.readOnly) hostConfig.ReadonlyRootfs = true;
  if ((flags.publish ?? []).length > 0) {
    try {
      hostConfig.PortBindings = parsePublish(flags.publish!);
    } catch (err) {
      throw usageError((err as Error).message, 'create'); // the docker CLI prints nat's message as it is
    }
  }
  if (flags.publishAll) hostConfig.PublishAllPorts = true;
  Object.assign(hostConfig, dnsFlags(flags, bad));
  if (flags.logOpt.length > 0) {
    // Docker's CLI passes the options as they are (KEY alone: an empty value); the daemon validates them
    const opts = flags.logOpt.map((o) =>
      o.includes('=') ? [o.slice(0, o.indexOf('=')), o.slice(o.indexOf('=') + 1)] : [o, ''],
    );
    hostConfig.LogConfig = { Type: LOG_DRIVER, Config: Object.fromEntries(opts) };
  }
  const exposedPorts = flags.expose.map((p) => {
    const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(p);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) bad(p, '--expose', `invalid port: ${p}`);
    return `${Number(m![1])}/${m![2] ?? 'tcp'}`;
  });
  const labels: Record<string, string> = {};
  for (const l of flags.label) {
    const eq = l.indexOf('=');
    if (eq === 0 || l === '') bad(l, '-l, --label', `invalid label: ${l}`);
    labels[eq < 0 ? l : l.slice(0, eq)] = eq < 0 ? '' : l.slice(eq + 1);
  }
  const extras = extraCreateFields(flags);
  Object.assign(hostConfig, extras.hostConfig);
  return {
    ...extras.request,
    image,
    ...(cmd.length > 0 ? { cmd } : {}),
    ...healthFlags(flags, bad),
    ...(flags.entrypoint !== undefined ? { entrypoint: [flags.entrypoint] } : {}),
    ...(flags.user ? { user: flags.user } : {}),
    ...(flags.stopSignal ? { stopSignal: flags.stopSignal } : {}),
    ...(flags.name !== undefined ? { name: flags.name } : {}),
    ...(envOut.length > 0 ? { env: envOut } : {}),
    ...(flags.workdir !== undefined ? { workingDir: flags.workdir } : {}),
    ...(flags.hostname !== undefined ? { hostname: flags.hostname } : {}),
    ...(flags.domainname ? { domainname: flags.domainname } : {}),
    ...(flags.tty ? { tty: true } : {}),
    ...(exposedPorts.length > 0 ? { exposedPorts } : {}),
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
    ...(Object.keys(hostConfig).length > 0 ? { hostConfig } : {}),
    ...endpointFlags(flags),
    ...mounts.request,
  };
}

/**
 * --network-alias and --ip as the --network's endpoint (the docker CLI's way): an alias needs a user-defined
 * network (the CLI's own refusal); whether the address fits the network is the host's question.
 */
function endpointFlags(flags: CreateFlags): Pick<CreateRequest, 'endpoints'> {
  const aliases = flags.networkAlias ?? [];
  if (aliases.length === 0 && !flags.ip) return {};
  const network = flags.network ?? 'bridge';
  if (aliases.length > 0 && parseNetMode(network)?.kind !== 'user')
    throw usageError('network-scoped aliases are only supported for user-defined networks', 'create');
  return {
    endpoints: {
      [network]: {
        ...(aliases.length > 0 ? { Aliases: aliases } : {}),
        ...(flags.ip ? { IPAMConfig: { IPv4Address: flags.ip } } : {}),
      },
    },
  };
}
