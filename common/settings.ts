import { ContainerError } from './errors';
import { parseIpcMode, parseNetMode } from './net-mode';
import { checkCapabilities } from './capabilities';
import { parseSeccompProfile } from './seccomp';
import { checkResources } from './resources';
import { checkHostSecurity, parseSecurityOpts, seccompChoice } from './security-opt';
import type { HostConfig } from './types';
import { checkDnsSettings } from './dns-options';
import { checkMountSpec, parseBindMode, parseVolumesFrom } from './mount-spec';

/** What the host offers, read by the driver: the settings check is pure given this. */
export interface HostInfo {
  os: 'linux' | 'windows';
  cpus: number;
  memoryBytes: number;
  cgroupMemory: boolean;
  cgroupCpu: boolean;
  cgroupPids: boolean;
  // Optional: a hostInfo result recorded before they existed (a history) lacks them.
  /** absent: 2 */
  cgroupVersion?: 1 | 2;
  /** the memory controller can limit swap (v1: memory.memsw.*; v2: memory.swap.max); absent: yes */
  swapLimit?: boolean;
  /** the kernel's AppArmor is on (/sys/module/apparmor/parameters/enabled is Y); absent: no */
  appArmor?: boolean;
  /** the memory controller can disable the OOM killer (v1's memory.oom_control); absent: no */
  oomKillDisable?: boolean;
  /** SELinux is on (selinuxfs mounted); absent: no */
  selinux?: boolean;
}

const MIN_MEMORY = 6 * 1024 * 1024;
const RESTART_POLICIES = new Set(['', 'no', 'always', 'unless-stopped', 'on-failure']);

/** The local volume driver's rule for names. */
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function isVolumeName(name: string): boolean {
  return VOLUME_NAME.test(name);
}

/** Docker's message for a -v source that is neither an absolute path nor a valid volume name. */
export function invalidVolumeName(name: string): string {
  return `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`;
}

/** A volume is a directory named after it: no longer than a file name may be. */
export const VOLUME_NAME_MAX = 255;

/** Why `name` cannot name a volume (Docker's message for bad characters), or undefined when it can. */
export function volumeNameError(name: string): string | undefined {
  if (!isVolumeName(name)) return invalidVolumeName(name);
  if (name.length > VOLUME_NAME_MAX)
    return `create ${name.slice(0, 32)}…: volume name is too long: at most ${VOLUME_NAME_MAX} characters`;
  return undefined;
}

/**
 * Docker's verifyContainerSettings for a hostConfig: returns nothing when valid, throws InvalidSettings (400)
 * with Docker's message for the first problem. Runs before any side effect of the start.
 */
export function verifyHostConfig(hc: HostConfig, host: HostInfo): string[] {
  const fail = (msg: string): never => {
    throw new ContainerError('InvalidSettings', msg);
  };
  const warnings: string[] = [];
  // The one place security options are validated (create, and a legacy hostConfig at start).
  const secOpts = parseSecurityOpts(hc.SecurityOpt);
  checkHostSecurity(secOpts, host);
  const seccomp = seccompChoice(secOpts);
  // Docker decodes a profile only at start; here a bad one is a 400 before anything exists.
  if (seccomp.kind === 'profile') parseSeccompProfile(seccomp.json);
  checkCapabilities(hc);
  checkDnsSettings(hc);
  for (const bind of hc.Binds) {
    const parts = bind.split(':');
    if (parts.length < 2 || parts.length > 3 || parts[0] === '' || parts[1] === '')
      fail(`invalid volume specification: '${bind}'`);
    const type = parts[0]!.startsWith('/') ? 'bind' : 'volume';
    if (parts[1]!.replace(/\/+$/, '') === '')
      fail(
        `invalid volume specification: '${bind}': invalid mount config for type "${type}": invalid specification: destination can't be '/'`,
      );
    if (!parts[1]!.startsWith('/'))
      fail(
        `invalid volume specification: '${bind}': invalid mount config for type "${type}": invalid mount path: '${parts[1]}' mount path must be absolute`,
      );
    if (parts[2] !== undefined && type === 'bind' && parseBindMode(parts[2], true)?.nocopy)
      fail(
        `invalid volume specification: '${bind}': invalid mount config for type "bind": field VolumeOptions must not be specified`,
      );
    if (parts[2] !== undefined && !parseBindMode(parts[2], type === 'volume')) fail(`invalid mode: ${parts[2]}`);
    // Docker creates named volumes at create, where the local driver rejects such a name.
    const badName = type === 'volume' ? volumeNameError(parts[0]!) : undefined;
    if (badName) fail(badName);
  }
  for (const m of hc.Mounts ?? []) checkMountSpec(m);
  for (const v of hc.VolumesFrom ?? []) parseVolumesFrom(v);
  for (const dest of Object.keys(hc.Tmpfs)) {
    if (dest.replace(/\/+$/, '') === '' && dest !== '') fail("invalid specification: destination can't be '/'");
    if (!dest.startsWith('/')) fail(`invalid mount path: '${dest}' mount path must be absolute`);
  }
  if (hc.ShmSize < 0) fail('SHM size can not be less than 0');
  if (hc.Memory !== 0 && hc.Memory < MIN_MEMORY) fail('Minimum memory limit allowed is 6MB');
  if (hc.Memory > 0 && !host.cgroupMemory) {
    warnings.push(
      'Your kernel does not support memory limit capabilities or the cgroup is not mounted. Limitation discarded.',
    );
    hc.Memory = 0;
    if (hc.MemorySwap) hc.MemorySwap = -1;
  }
  checkResources(hc, host, fail, warnings);
  if (hc.NanoCpus < 0 || hc.NanoCpus > host.cpus * 1e9) {
    fail(`range of CPUs is from 0.01 to ${host.cpus}.00, as there are only ${host.cpus} CPUs available`);
  }
  if (hc.NanoCpus > 0 && !host.cgroupCpu)
    fail('NanoCPUs can not be set, as your kernel does not support CPU CFS scheduler or the cgroup is not mounted');
  if (hc.PidsLimit > 0 && !host.cgroupPids) {
    warnings.push(
      'Your kernel does not support PIDs limit capabilities or the cgroup is not mounted. PIDs limit discarded.',
    );
    hc.PidsLimit = 0;
  }
  const rp = hc.RestartPolicy;
  if (!RESTART_POLICIES.has(rp.Name)) fail(`invalid restart policy '${rp.Name}'`);
  // Docker: an empty name (pre-v25 records) is allowed with any count.
  if (rp.Name === 'on-failure' && rp.MaximumRetryCount < 0) fail('maximum retry count cannot be negative');
  if (rp.Name !== 'on-failure' && rp.Name !== '' && rp.MaximumRetryCount !== 0) {
    fail(`maximum retry count cannot be used with restart policy '${rp.Name}'`);
  }
  if (hc.AutoRemove && rp.Name !== '' && rp.Name !== 'no')
    fail("can't create 'AutoRemove' container with restart policy");
  if (hc.NetworkMode === 'container' || hc.NetworkMode === 'container:')
    fail('invalid network mode: invalid container format container:<name|id>');
  const net = parseNetMode(hc.NetworkMode);
  if (!net) fail(`network ${hc.NetworkMode} not found`);
  if (hc.Links.length > 0 && net!.kind === 'host') {
    fail("conflicting options: host type networking can't be used with links. This would result in undefined behavior");
  }
  if (hc.Links.length > 0 && net!.kind === 'container') {
    fail(
      "conflicting options: container type network can't be used with links. This would result in undefined behavior",
    );
  }
  if (!parseIpcMode(hc.IpcMode)) fail(`invalid IPC mode: ${hc.IpcMode}`);
  return warnings;
}

/** Parses Docker-style byte sizes: "64m", "1g", "512k", "1024" (bytes). Undefined when malformed. */
export function parseBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?) ?(?:(b)|([kmgtp])(i?b)?)?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = (m[3] ?? '').toLowerCase();
  const mult = unit === '' ? 1 : 1024 ** ('kmgtp'.indexOf(unit) + 1);
  return Math.floor(Number(m[1]) * mult);
}
