/**
 * docker stats: the input of the `stats` read and Docker's StatsJSON (api/types/stats.go), field for field.
 * Types and pure helpers only: workflow code imports this file.
 */

export interface StatsInput {
  container: string;
}

export interface CpuStats {
  cpu_usage: {
    total_usage: number;
    /** cgroup v1 only (cpuacct.usage_percpu), as Docker omits it on v2 */
    percpu_usage?: number[];
    usage_in_kernelmode: number;
    usage_in_usermode: number;
  };
  /** the host's CPU time in ns (/proc/stat), the denominator of the CLI's CPU % */
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

export interface MemoryStats {
  usage?: number;
  /** cgroup v1 only */
  max_usage?: number;
  stats?: Record<string, number>;
  failcnt?: number;
  limit?: number;
}

export interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

export interface NetworkStats {
  rx_bytes: number;
  rx_packets: number;
  rx_errors: number;
  rx_dropped: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errors: number;
  tx_dropped: number;
}

/** One sample as Docker's daemon encodes it (Go's zero values where it has nothing). */
export interface DockerStats {
  name: string;
  id: string;
  read: string;
  preread: string;
  pids_stats: { current?: number; limit?: number };
  blkio_stats: {
    io_service_bytes_recursive: BlkioEntry[] | null;
    io_serviced_recursive: BlkioEntry[] | null;
    io_queue_recursive: BlkioEntry[] | null;
    io_service_time_recursive: BlkioEntry[] | null;
    io_wait_time_recursive: BlkioEntry[] | null;
    io_merged_recursive: BlkioEntry[] | null;
    io_time_recursive: BlkioEntry[] | null;
    sectors_recursive: BlkioEntry[] | null;
  };
  num_procs: number;
  storage_stats: Record<string, never>;
  cpu_stats: CpuStats;
  precpu_stats: CpuStats;
  memory_stats: MemoryStats;
  /** absent where Docker leaves it out (no network of the container's own: host mode) */
  networks?: Record<string, NetworkStats>;
}

/** Go's zero time, as Docker writes an unset `read`/`preread`. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Docker's blkio_stats: what is measured is io_service_bytes_recursive (null: not read), the rest is null. */
export function blkioStats(serviceBytes: BlkioEntry[] | null): DockerStats['blkio_stats'] {
  return {
    io_service_bytes_recursive: serviceBytes,
    io_serviced_recursive: null,
    io_queue_recursive: null,
    io_service_time_recursive: null,
    io_wait_time_recursive: null,
    io_merged_recursive: null,
    io_time_recursive: null,
    sectors_recursive: null,
  };
}

export const emptyCpuStats = (): CpuStats => ({
  cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
  throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
});

/**
 * What Docker answers for a container that is not running (daemon/stats.go: only Name and ID): the sample of
 * `--no-stream` on a stopped container, and each streamed one while it is stopped.
 */
export function emptyStats(name: string, id: string): DockerStats {
  return {
    name,
    id,
    read: ZERO_TIME,
    preread: ZERO_TIME,
    pids_stats: {},
    blkio_stats: blkioStats(null),
    num_procs: 0,
    storage_stats: {},
    cpu_stats: emptyCpuStats(),
    precpu_stats: emptyCpuStats(),
    memory_stats: {},
  };
}

/** The next streamed sample: the previous one's CPU and time become its `precpu_stats` and `preread`. */
export function withPrevious(sample: DockerStats, previous: DockerStats | undefined): DockerStats {
  if (!previous) return sample;
  return { ...sample, preread: previous.read, precpu_stats: previous.cpu_stats };
}
