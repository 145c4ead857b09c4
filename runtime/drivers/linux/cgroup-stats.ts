import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { blkioStats, type BlkioEntry, type DockerStats, type NetworkStats } from '../../../common/stats-api';

/** What a driver samples of a running container; the runtime adds name, id and the read time. */
export type ResourceSample = Pick<
  DockerStats,
  'cpu_stats' | 'memory_stats' | 'pids_stats' | 'blkio_stats' | 'networks' | 'num_procs'
>;

const CGROUP = '/sys/fs/cgroup';
/** USER_HZ: cpuacct.stat and /proc/stat count in these ticks */
const TICK_NS = 1e7;

/** A "key value" per line file (memory.stat, cpu.stat, cpuacct.stat) as numbers. */
export function parseKeyed(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

/** A single-number file ("max" and v1's page-rounded LONG_MAX read as undefined: no limit). */
export function parseLimit(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return n >= 2 ** 62 ? undefined : n;
}

/** The host's CPU time in ns as Docker counts it (getSystemCPUUsage: user … softirq of /proc/stat's `cpu` line). */
export function parseSystemCpu(procStat: string): number {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return 0;
  const ticks = line.trim().split(/\s+/).slice(1, 8).map(Number);
  return ticks.reduce((a, b) => a + b, 0) * TICK_NS;
}

/** /proc/<pid>/net/dev: each interface but loopback, as Docker's NetworkStats. */
export function parseNetDev(text: string): Record<string, NetworkStats> {
  const out: Record<string, NetworkStats> = {};
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (name === 'lo' || f.length < 12) continue;
    out[name] = {
      rx_bytes: f[0]!,
      rx_packets: f[1]!,
      rx_errors: f[2]!,
      rx_dropped: f[3]!,
      tx_bytes: f[8]!,
      tx_packets: f[9]!,
      tx_errors: f[10]!,
      tx_dropped: f[11]!,
    };
  }
  return out;
}

/** v1's blkio.*_recursive ("8:0 Read 4096"; the closing "Total N" line dropped), ops as the kernel names them. */
export function parseBlkioV1(text: string): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+):(\d+) (\S+) (\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3]!, value: Number(m[4]) });
  }
  return out;
}

/** v2's io.stat ("8:0 rbytes=1 wbytes=2 …") as Docker's io_service_bytes_recursive: `read` and `write` per device. */
export function parseIoStat(text: string): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    const [dev, ...pairs] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const kv = Object.fromEntries(pairs.map((p) => p.split('=') as [string, string]));
    for (const [key, op] of [
      ['rbytes', 'read'],
      ['wbytes', 'write'],
    ] as const)
      out.push({ major: Number(m[1]), minor: Number(m[2]), op, value: Number(kv[key] ?? 0) });
  }
  return out;
}

const read = (file: string) => fs.readFile(file, 'utf8').catch(() => '');

/** A memory limit as Docker reports it: the host's memory when unlimited or above it. */
const memLimit = (limit: number | undefined) => Math.min(limit ?? Infinity, os.totalmem());

async function sampleV2(dir: string): Promise<Omit<ResourceSample, 'networks'>> {
  const [cpu, memStat, current, max, pids, pidsMax, io] = await Promise.all(
    ['cpu.stat', 'memory.stat', 'memory.current', 'memory.max', 'pids.current', 'pids.max', 'io.stat'].map((f) =>
      read(path.join(dir, f)),
    ),
  );
  const c = parseKeyed(cpu!);
  const pidsLimit = parseLimit(pidsMax!);
  return {
    cpu_stats: {
      cpu_usage: {
        total_usage: (c.usage_usec ?? 0) * 1000,
        usage_in_kernelmode: (c.system_usec ?? 0) * 1000,
        usage_in_usermode: (c.user_usec ?? 0) * 1000,
      },
      throttling_data: {
        periods: c.nr_periods ?? 0,
        throttled_periods: c.nr_throttled ?? 0,
        throttled_time: (c.throttled_usec ?? 0) * 1000,
      },
    },
    memory_stats: {
      usage: Number(current!.trim() || 0),
      stats: parseKeyed(memStat!),
      limit: memLimit(parseLimit(max!)),
    },
    pids_stats: { current: Number(pids!.trim() || 0), ...(pidsLimit ? { limit: pidsLimit } : {}) },
    blkio_stats: blkioStats(parseIoStat(io!)),
    num_procs: 0,
  };
}

async function sampleV1(rel: string): Promise<Omit<ResourceSample, 'networks'>> {
  const at = (ctrl: string, f: string) => read(path.join(CGROUP, ctrl, rel, f));
  const [usage, percpu, acct, cpu, memStat, memUsage, memMax, memLimitText, failcnt, pids, pidsMax] = await Promise.all(
    [
      at('cpuacct', 'cpuacct.usage'),
      at('cpuacct', 'cpuacct.usage_percpu'),
      at('cpuacct', 'cpuacct.stat'),
      at('cpu', 'cpu.stat'),
      at('memory', 'memory.stat'),
      at('memory', 'memory.usage_in_bytes'),
      at('memory', 'memory.max_usage_in_bytes'),
      at('memory', 'memory.limit_in_bytes'),
      at('memory', 'memory.failcnt'),
      at('pids', 'pids.current'),
      at('pids', 'pids.max'),
    ],
  );
  let io = parseBlkioV1(await at('blkio', 'blkio.io_service_bytes_recursive'));
  // without CFQ the kernel counts only in the throttle files (as containerd's cgroups falls back)
  if (io.length === 0) io = parseBlkioV1(await at('blkio', 'blkio.throttle.io_service_bytes_recursive'));
  const a = parseKeyed(acct);
  const t = parseKeyed(cpu);
  const pidsLimit = parseLimit(pidsMax);
  return {
    cpu_stats: {
      cpu_usage: {
        total_usage: Number(usage.trim() || 0),
        percpu_usage: percpu.trim().split(/\s+/).filter(Boolean).map(Number),
        usage_in_kernelmode: (a.system ?? 0) * TICK_NS,
        usage_in_usermode: (a.user ?? 0) * TICK_NS,
      },
      throttling_data: {
        periods: t.nr_periods ?? 0,
        throttled_periods: t.nr_throttled ?? 0,
        throttled_time: t.throttled_time ?? 0,
      },
    },
    memory_stats: {
      usage: Number(memUsage.trim() || 0),
      max_usage: Number(memMax.trim() || 0),
      stats: parseKeyed(memStat),
      failcnt: Number(failcnt.trim() || 0),
      limit: memLimit(parseLimit(memLimitText)),
    },
    pids_stats: { current: Number(pids.trim() || 0), ...(pidsLimit ? { limit: pidsLimit } : {}) },
    blkio_stats: blkioStats(io),
    num_procs: 0,
  };
}

/**
 * One sample of a running container from its cgroup (`cgroupsPath`, v2 or v1) and, unless it has no network
 * of its own (`ownNetwork` false: host mode), its network namespace's counters read through its process.
 */
export async function sampleCgroup(cgroupsPath: string, pid: number, ownNetwork: boolean): Promise<ResourceSample> {
  const v2 = (await read(path.join(CGROUP, 'cgroup.controllers'))) !== '';
  const part = v2 ? await sampleV2(path.join(CGROUP, cgroupsPath)) : await sampleV1(cgroupsPath);
  part.cpu_stats.system_cpu_usage = parseSystemCpu(await read('/proc/stat'));
  part.cpu_stats.online_cpus = os.cpus().length;
  if (!ownNetwork) return part;
  return { ...part, networks: parseNetDev(await read(`/proc/${pid}/net/dev`)) };
}
