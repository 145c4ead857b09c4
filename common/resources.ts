import type { HostInfo } from './settings';
import type { HostConfig, Ulimit } from './types';

/**
 * Docker's resource rules beyond the plain limits (pure): --memory-swap, --ulimit, --oom-score-adj and the
 * cgroup namespace mode; what create records (adaptResources) and what the spec step sets (memorySwapOf).
 */

/** The rlimits Docker's --ulimit knows (go-units), each RLIMIT_<NAME> in the OCI spec. */
export const ULIMIT_NAMES = [
  'core',
  'cpu',
  'data',
  'fsize',
  'locks',
  'memlock',
  'msgqueue',
  'nice',
  'nofile',
  'nproc',
  'rss',
  'rtprio',
  'rttime',
  'sigpending',
  'stack',
] as const;

/**
 * `name=soft[:hard]` as the docker CLI parses it (go-units ParseUlimit; hard defaults to soft); throws an
 * Error with its message.
 */
export function parseUlimit(text: string): Ulimit {
  const eq = text.split('=');
  if (eq.length !== 2) throw new Error(`invalid ulimit argument: ${text}`);
  const [name, values] = eq as [string, string];
  if (!(ULIMIT_NAMES as readonly string[]).includes(name)) throw new Error(`invalid ulimit type: ${name}`);
  const parts = values.split(':');
  if (parts.length > 2)
    throw new Error(`too many limit value arguments - ${values}, can only have up to two, \`soft:hard\``);
  const [soft, hard] = parts.map((p) => {
    if (!/^[+-]?\d+$/.test(p) || !Number.isSafeInteger(Number(p)))
      throw new Error(`strconv.ParseInt: parsing ${JSON.stringify(p)}: invalid syntax`);
    return Number(p);
  }) as [number, number | undefined];
  const ulimit = { Name: name, Soft: soft, Hard: hard ?? soft };
  checkUlimit(ulimit, (msg) => {
    throw new Error(msg);
  });
  return ulimit;
}

function checkUlimit(u: Ulimit, fail: (msg: string) => never): void {
  if (!(ULIMIT_NAMES as readonly string[]).includes(u.Name)) fail(`invalid ulimit type: ${u.Name}`);
  // -1 is RLIM_INFINITY (Go's uint64(-1)); anything else below 0 would wrap to a huge limit
  if (u.Soft < -1 || u.Hard < -1) fail(`invalid ulimit ${u.Name}: a limit is -1 (unlimited) or at least 0`);
  if (u.Hard !== -1 && (u.Soft === -1 || u.Soft > u.Hard))
    fail(`ulimit soft limit must be less than or equal to hard limit: ${u.Soft} > ${u.Hard}`);
}

/**
 * Part of verifyHostConfig (Docker's verifyPlatformContainerResources and cgroupns check): throws through
 * `fail` with Docker's message; a swap limit the host cannot set is discarded with Docker's warning.
 */
export function checkResources(hc: HostConfig, host: HostInfo, fail: (msg: string) => never, warnings: string[]): void {
  const swap = hc.MemorySwap ?? 0;
  if (hc.Memory > 0 && swap > 0 && swap < hc.Memory)
    fail('Minimum memoryswap limit should be larger than memory limit, see usage');
  if (hc.Memory === 0 && swap > 0)
    fail('You should always set the Memory limit when using Memoryswap limit, see usage');
  if (swap > 0 && host.swapLimit === false) {
    warnings.push(
      'Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.',
    );
    hc.MemorySwap = -1;
  }
  if (hc.OomKillDisable && !host.oomKillDisable) {
    warnings.push('Your kernel does not support OomKillDisable. OomKillDisable discarded.');
    hc.OomKillDisable = false;
  }
  const oom = hc.OomScoreAdj ?? 0;
  if (oom < -1000 || oom > 1000) fail(`Invalid value ${oom}, range for oom score adj is [-1000, 1000]`);
  for (const u of hc.Ulimits ?? []) checkUlimit(u, fail);
  const names = (hc.Ulimits ?? []).map((u) => u.Name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) fail(`duplicate ulimit name: ${dup}`);
  const ns = hc.CgroupnsMode ?? '';
  if (!['', 'host', 'private'].includes(ns)) fail(`invalid cgroup namespace mode: ${ns}`);
}

/**
 * What Docker's create records beyond the request (adaptContainerSettings): swap equal to memory unless
 * --memory-swap says otherwise, and the daemon's default cgroup namespace mode (private on cgroup v2).
 */
export function adaptResources(hc: HostConfig, host: HostInfo): void {
  if (hc.Memory > 0 && !hc.MemorySwap) hc.MemorySwap = host.swapLimit === false ? -1 : hc.Memory * 2;
  if (!hc.CgroupnsMode) hc.CgroupnsMode = host.cgroupVersion === 1 ? 'host' : 'private';
  // Docker's adaptContainerSettings: a negative weight is the kernel's minimum, one above it its maximum
  if (hc.CpuShares !== undefined) hc.CpuShares = hc.CpuShares < 0 ? 2 : Math.min(hc.CpuShares, 262144);
}

/**
 * The OCI memory.swap (memory + swap, -1 unlimited) for a hostConfig, or undefined for none: records from
 * before MemorySwap was recorded get Docker's default too.
 */
export function memorySwapOf(hc: Pick<HostConfig, 'Memory' | 'MemorySwap'>): number | undefined {
  if (hc.Memory <= 0) return undefined;
  return hc.MemorySwap || hc.Memory * 2;
}
