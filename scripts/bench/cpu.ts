import { readFileSync } from 'node:fs';

/**
 * CPU time a measurement costs, beside its wall time: this process (every thread: the in-process worker's
 * workflow threads and Rust core, the client, the driver's Node side; not its child processes such as runc or
 * the CNI plugins) and the Temporal server by pid (/proc/<pid>/stat utime + stime, in clock ticks of 10 ms:
 * summed over many measurements the rounding evens out). On a 2-core host, CPU time per start bounds the
 * throughput: 2000 ms / (CPU ms per start) starts a second at best.
 */
const TICK_MS = 10; // 1000 / CLK_TCK, which is 100 on Linux

/** CPU time (user + system) a process has used so far, ms; NaN when it is gone (or not on Linux). */
export function pidCpuMs(pid: number): number {
  try {
    // the fields after the command name (which may hold spaces) start with the state; utime and stime are the 12th and
    // 13th of them
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return NaN; // gone, or not Linux
  }
}

export interface CpuSample {
  /** this process, ms */
  self: number;
  /** the server process, ms (NaN when it cannot be read) */
  server: number;
}

/** Runs f: its wall time in ms and what it cost in CPU time. */
export async function timedCpu(
  serverPid: number | undefined,
  f: () => Promise<unknown>,
): Promise<{ ms: number; cpu: CpuSample }> {
  const server0 = serverPid === undefined ? NaN : pidCpuMs(serverPid);
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const ms = performance.now() - t0;
  const self = process.cpuUsage(self0);
  return {
    ms,
    cpu: {
      self: (self.user + self.system) / 1000,
      server: serverPid === undefined ? NaN : pidCpuMs(serverPid) - server0,
    },
  };
}

/** Mean CPU ms per measurement of each side; undefined for none. */
export function meanCpu(samples: readonly CpuSample[]): CpuSample | undefined {
  if (samples.length === 0) return undefined;
  const mean = (k: keyof CpuSample) => samples.reduce((a, s) => a + s[k], 0) / samples.length;
  return { self: mean('self'), server: mean('server') };
}

/**
 * CPU time per second of wall time over the next `ms` of each group of processes (summed over its processes;
 * one gone before the end is left out): what they cost while the caller does nothing.
 */
export async function cpuPerSecond<K extends string>(
  groups: Partial<Record<K, readonly number[]>>,
  ms: number,
): Promise<Partial<Record<K, number>>> {
  const keys = Object.keys(groups) as K[];
  const read = () => keys.map((k) => (groups[k] ?? []).map(pidCpuMs));
  const before = read();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const after = read();
  const wall = performance.now() - t0;
  const out: Partial<Record<K, number>> = {};
  keys.forEach((k, i) => {
    const used = after[i]!.reduce(
      (sum, a, j) => (Number.isFinite(a) && Number.isFinite(before[i]![j]!) ? sum + a - before[i]![j]! : sum),
      0,
    );
    out[k] = (used / wall) * 1000;
  });
  return out;
}
