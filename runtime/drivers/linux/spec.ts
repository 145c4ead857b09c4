import path from 'node:path';
import { DEFAULT_CAPABILITIES } from '../../../common/capabilities';
import type { OciSeccomp } from '../../../common/seccomp';
import type { VolumeMount } from '../../driver';
import type { OciDeviceRule } from './device-nodes';

export { DEFAULT_CAPABILITIES };

/** The OCI runtime spec (config.json) runc runs, built by a pure function from what the steps decided. */

import type { OciDevice, OciMount, OciNamespace, OciRlimit, OciSpec } from './spec-types';
export type { OciDevice, OciIdMapping, OciMount, OciNamespace, OciRlimit, OciSpec } from './spec-types';

/** How the container gets its IPC namespace and /dev/shm. */
export type IpcSetup =
  | { kind: 'private'; shm: string } // new namespace, /dev/shm bound from the container's own tmpfs
  | { kind: 'none' } // new namespace, no /dev/shm
  | { kind: 'host' } // the host's namespace and /dev/shm
  | { kind: 'join'; nsPath: string; shm: string | undefined }; // another container's namespace and /dev/shm

export interface SpecInput {
  id: string;
  args: string[];
  env: string[];
  /** absent: root (buildSpec's unit tests leave it out) */
  user?: { uid: number; gid: number; additionalGids: readonly number[] };
  /** container path; '' means / */
  cwd: string;
  hostname: string;
  /** a terminal for the process (Config.Tty); absent: none */
  terminal?: boolean;
  /** the UTS domain name (Config.Domainname); absent or '': none */
  domainname?: string;
  /** host path of the mounted rootfs */
  rootfs: string;
  readonlyRootfs: boolean;
  noNewPrivileges: boolean;
  /** the process's capabilities (bounding, effective and permitted) */
  capabilities: readonly string[];
  /** the filter, already converted for this host; undefined: none */
  seccomp: OciSeccomp | undefined;
  /** no masked or read-only paths, /sys and its cgroup writable, every device allowed (and `devices` created) */
  privileged: boolean;
  /** device nodes to create in /dev (a privileged container: the host's) */
  devices: readonly OciDevice[];
  /** --device's cgroup rules, after the deny-all one */
  deviceRules?: OciDeviceRule[];
  /** netns path to join (bridge/none: the container's own; container:X: X's); undefined = host network */
  netnsPath: string | undefined;
  ipc: IpcSetup;
  /** host files bound at /etc/hostname, /etc/hosts, /etc/resolv.conf */
  etc: { hostname: string; hosts: string; resolvConf: string };
  volumes: readonly VolumeMount[];
  /** rshared/rslave when a bind propagates (drivers/linux/propagation.ts) */
  rootfsPropagation?: 'rshared' | 'rslave';
  /** HostConfig.Memory (bytes), NanoCpus, PidsLimit; 0 = unlimited (CpuShares, absent or 0: the kernel's default) */
  memory: number;
  nanoCpus: number;
  pidsLimit: number;
  cpuShares?: number;
  // absent: not set (buildSpec's unit tests leave them out)
  /** memory + swap in bytes, -1 unlimited; only with memory */
  memorySwap?: number;
  oomKillDisable?: boolean;
  rlimits?: readonly OciRlimit[];
  oomScoreAdj?: number;
  /** a cgroup namespace of its own */
  cgroupns?: boolean;
  appArmorProfile?: string;
  cgroupsPath: string;
  /**
   * CONTAINER_SAGA_USERNS_REMAP: a user namespace, root mapped to host uid `uid` and gid `gid`; `path`: the one
   * that owns the netns, joined (runc joins it first, then the netns), else a new one
   */
  userns?: { uid: number; gid: number; size: number; path?: string };
}

/** Docker's default masked and read-only paths. */
export const DEFAULT_MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
export const DEFAULT_READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

const CPU_PERIOD = 100_000;

function volumeToOci(v: VolumeMount): OciMount {
  if (v.kind === 'tmpfs') {
    const opts = (v.options ?? '').split(',').filter(Boolean);
    return {
      destination: v.destination,
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'nodev', 'noexec', ...opts],
    };
  }
  return {
    destination: v.destination,
    type: 'bind',
    source: v.source,
    options: ['rbind', v.propagation ?? 'rprivate', v.readonly ? 'ro' : 'rw'],
  };
}

/** The OCI spec for a container (pure). */
export function buildSpec(i: SpecInput): OciSpec {
  // Docker's --privileged: /sys and the cgroup mount writable (oci_linux.go clears their "ro")
  const ro = i.privileged ? [] : ['ro'];
  const mounts: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', ...ro] },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: [...ro, 'nosuid', 'noexec', 'nodev', 'relatime'],
    },
  ];
  // mqueue needs a private IPC namespace of our own or a joined one; the host's is not ours to remount.
  if (i.ipc.kind !== 'host')
    mounts.push({
      destination: '/dev/mqueue',
      type: 'mqueue',
      source: 'mqueue',
      options: ['nosuid', 'noexec', 'nodev'],
    });
  const shm =
    i.ipc.kind === 'private'
      ? i.ipc.shm
      : i.ipc.kind === 'host'
        ? '/dev/shm'
        : i.ipc.kind === 'join'
          ? i.ipc.shm
          : undefined;
  if (shm)
    mounts.push({
      destination: '/dev/shm',
      type: 'bind',
      source: shm,
      options: ['rbind', 'nosuid', 'noexec', 'nodev'],
    });
  const etcOpts = ['rbind', 'rprivate', i.readonlyRootfs ? 'ro' : 'rw'];
  mounts.push(
    { destination: '/etc/hostname', type: 'bind', source: i.etc.hostname, options: etcOpts },
    { destination: '/etc/hosts', type: 'bind', source: i.etc.hosts, options: etcOpts },
    { destination: '/etc/resolv.conf', type: 'bind', source: i.etc.resolvConf, options: etcOpts },
  );
  mounts.push(...i.volumes.map(volumeToOci));

  const namespaces: OciNamespace[] = [{ type: 'pid' }];
  if (i.ipc.kind === 'join') namespaces.push({ type: 'ipc', path: i.ipc.nsPath });
  else if (i.ipc.kind !== 'host') namespaces.push({ type: 'ipc' });
  // Always a UTS namespace of its own, even with host networking: the container's hostname must never
  // become the real host's.
  namespaces.push({ type: 'uts' }, { type: 'mount' });
  if (i.netnsPath !== undefined) namespaces.push({ type: 'network', path: i.netnsPath });
  if (i.cgroupns) namespaces.push({ type: 'cgroup' });
  if (i.userns) namespaces.push({ type: 'user', ...(i.userns.path ? { path: i.userns.path } : {}) });
  const idMaps = i.userns
    ? {
        uidMappings: [{ containerID: 0, hostID: i.userns.uid, size: i.userns.size }],
        gidMappings: [{ containerID: 0, hostID: i.userns.gid, size: i.userns.size }],
      }
    : {};

  // deny every device but runc's defaults (null, zero, full, tty, random, urandom); privileged: allow all
  const resources: OciSpec['linux']['resources'] = {
    devices: [{ allow: i.privileged, access: 'rwm' }, ...(i.deviceRules ?? [])],
  };
  if (i.memory > 0)
    resources.memory = { limit: i.memory, ...(i.memorySwap !== undefined ? { swap: i.memorySwap } : {}) };
  if (i.oomKillDisable) resources.memory = { ...resources.memory, disableOOMKiller: true };
  if (i.nanoCpus > 0)
    resources.cpu = { quota: Math.max(1000, Math.round((i.nanoCpus * CPU_PERIOD) / 1e9)), period: CPU_PERIOD };
  if (i.cpuShares) resources.cpu = { ...resources.cpu, shares: i.cpuShares };
  if (i.pidsLimit > 0) resources.pids = { limit: i.pidsLimit };

  return {
    ociVersion: '1.0.2',
    process: {
      terminal: i.terminal === true,
      user: i.user
        ? { uid: i.user.uid, gid: i.user.gid, additionalGids: [...i.user.additionalGids] }
        : { uid: 0, gid: 0 },
      args: [...i.args],
      env: [...i.env],
      cwd: path.posix.resolve('/', i.cwd || '/'),
      capabilities: { bounding: [...i.capabilities], effective: [...i.capabilities], permitted: [...i.capabilities] },
      noNewPrivileges: i.noNewPrivileges,
      ...(i.rlimits?.length ? { rlimits: i.rlimits.map((r) => ({ ...r })) } : {}),
      // Docker always sets it (0 by default), so a worker's own adjustment never leaks into its containers
      ...(i.oomScoreAdj !== undefined ? { oomScoreAdj: i.oomScoreAdj } : {}),
      ...(i.appArmorProfile ? { apparmorProfile: i.appArmorProfile } : {}),
    },
    root: { path: i.rootfs, readonly: i.readonlyRootfs },
    hostname: i.hostname,
    mounts,
    annotations: { 'container-saga.id': i.id },
    linux: {
      ...(i.rootfsPropagation ? { rootfsPropagation: i.rootfsPropagation } : {}),
      namespaces,
      cgroupsPath: i.cgroupsPath,
      ...(i.devices.length > 0 ? { devices: i.devices.map((d) => ({ ...d })) } : {}),
      resources,
      maskedPaths: i.privileged ? [] : [...DEFAULT_MASKED_PATHS],
      readonlyPaths: i.privileged ? [] : [...DEFAULT_READONLY_PATHS],
      ...(i.seccomp ? { seccomp: i.seccomp } : {}),
      // as Docker sets it: the sysctl has setdomainname(2)'s effect, and runc 1.1 has no domainname field
      ...(i.domainname ? { sysctl: { 'kernel.domainname': i.domainname } } : {}),
      ...idMaps,
    },
  };
}
