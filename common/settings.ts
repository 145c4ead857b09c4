import { ContainerError } from './errors';
import { parseIpcMode, parseNetMode } from './net-mode';
import type { HostConfig } from './types';

/** What the host offers, read by the driver: the settings check is pure given this. */
export interface HostInfo {
  os: 'linux' | 'windows';
  cpus: number;
  memoryBytes: number;
  cgroupMemory: boolean;
  cgroupCpu: boolean;
  cgroupPids: boolean;
}

const MIN_MEMORY = 6 * 1024 * 1024;
const RESTART_POLICIES = new Set(['', 'no', 'always', 'unless-stopped', 'on-failure']);

/**
 * Docker's verifyContainerSettings for a hostConfig: returns nothing when valid, throws InvalidSettings (400)
 * with Docker's message for the first problem. Runs before any side effect of the start.
 */
export function verifyHostConfig(hc: HostConfig, host: HostInfo): void {
  const fail = (msg: string): never => {
    throw new ContainerError('InvalidSettings', msg);
  };
  for (const bind of hc.Binds) {
    const parts = bind.split(':');
    if (parts.length < 2 || parts.length > 3 || parts[0] === '' || parts[1] === '') fail(`invalid volume specification: '${bind}'`);
    if (!parts[1]!.startsWith('/')) fail(`invalid mount config for type "bind": invalid mount path: '${parts[1]}' mount path must be absolute`);
    if (parts[2] !== undefined && !['ro', 'rw'].includes(parts[2])) fail(`invalid mode: ${parts[2]}`);
  }
  for (const dest of Object.keys(hc.Tmpfs)) {
    if (!dest.startsWith('/')) fail(`invalid mount config for type "tmpfs": invalid mount path: '${dest}' mount path must be absolute`);
  }
  if (hc.ShmSize < 0) fail('SHM size can not be less than 0');
  if (hc.Memory !== 0 && hc.Memory < MIN_MEMORY) fail('Minimum memory limit allowed is 6MB');
  if (hc.Memory > 0 && !host.cgroupMemory) {
    fail('Your kernel does not support memory limit capabilities or the cgroup is not mounted. Limitation discarded.');
  }
  if (hc.NanoCpus < 0 || hc.NanoCpus > host.cpus * 1e9) {
    fail(`Range of CPUs is from 0.01 to ${host.cpus}.00, as there are only ${host.cpus} CPUs available`);
  }
  if (hc.NanoCpus > 0 && !host.cgroupCpu) fail('NanoCPUs can not be set, as your kernel does not support CPU CFS scheduler or the cgroup is not mounted');
  if (hc.PidsLimit > 0 && !host.cgroupPids) fail('Your kernel does not support pids limit capabilities or the cgroup is not mounted. PIDs limit discarded.');
  const rp = hc.RestartPolicy;
  if (!RESTART_POLICIES.has(rp.Name)) fail(`invalid restart policy '${rp.Name}'`);
  if (rp.MaximumRetryCount < 0) fail('maximum retry count cannot be negative');
  if (rp.MaximumRetryCount > 0 && rp.Name !== 'on-failure') {
    fail(`maximum retry count cannot be used with restart policy '${rp.Name}'`);
  }
  const net = parseNetMode(hc.NetworkMode);
  if (!net) fail(`network ${hc.NetworkMode} not found`);
  if (net!.kind !== 'bridge' && hc.Links.length > 0) {
    fail(`conflicting options: ${net!.kind} type networking can't be used with links. This would result in undefined behavior`);
  }
  if (!parseIpcMode(hc.IpcMode)) fail(`invalid IPC mode: ${hc.IpcMode}`);
}

/** Parses Docker-style byte sizes: "64m", "1g", "512k", "1024" (bytes). Undefined when malformed. */
export function parseBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmg]?)b?$/i.exec(text.trim());
  if (!m) return undefined;
  const mult = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'b' | 'k' | 'm' | 'g'];
  return Math.floor(Number(m[1]) * mult);
}
