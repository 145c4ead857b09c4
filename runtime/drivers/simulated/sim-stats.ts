import { blkioStats } from '../../../common/stats-api';
import type { ContainerRecord } from '../../../common/types';
import type { ResourceSample } from '../linux/cgroup-stats';

/** What every simulated container uses: it runs nothing, so these are the driver's own numbers, not measured. */
const SIM_MEMORY = 4 * 1024 * 1024;
const ZERO_NET = {
  rx_bytes: 0,
  rx_packets: 0,
  rx_errors: 0,
  rx_dropped: 0,
  tx_bytes: 0,
  tx_packets: 0,
  tx_errors: 0,
  tx_dropped: 0,
};
/** a simulated process uses 1% of one CPU since it started */
const SIM_CPU_SHARE = 0.01;

/**
 * A simulated sample (pure, from the record and the clock): CPU time growing at 1% of one CPU since StartedAt
 * (a fifth in the kernel), 4 MiB in use under the container's memory limit (else the host's memory), one
 * process, and zero network counters on eth0 unless it has no network of its own.
 */
export function simulatedSample(
  rec: ContainerRecord,
  now: number,
  host: { cpus: number; memoryBytes: number },
  ownNetwork: boolean,
): ResourceSample {
  const started = Date.parse(rec.State.StartedAt) || now;
  const total = Math.max(0, Math.round((now - started) * 1e6 * SIM_CPU_SHARE));
  const hc = rec.HostConfig;
  return {
    cpu_stats: {
      cpu_usage: {
        total_usage: total,
        usage_in_kernelmode: Math.round(total / 5),
        usage_in_usermode: total - Math.round(total / 5),
      },
      system_cpu_usage: now * 1e6 * host.cpus,
      online_cpus: host.cpus,
      throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
    },
    memory_stats: {
      usage: SIM_MEMORY,
      stats: { anon: SIM_MEMORY, file: 0, inactive_file: 0 },
      limit: hc.Memory > 0 ? Math.min(hc.Memory, host.memoryBytes) : host.memoryBytes,
    },
    pids_stats: { current: 1, ...(hc.PidsLimit > 0 ? { limit: hc.PidsLimit } : {}) },
    blkio_stats: blkioStats([]),
    num_procs: 0,
    ...(ownNetwork ? { networks: { eth0: ZERO_NET } } : {}),
  };
}
