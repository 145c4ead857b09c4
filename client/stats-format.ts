import type { DockerStats } from '../common/stats-api';

/** The docker CLI's stats columns (cli/command/container/stats_helpers.go, formatter_stats.go), pure. */

export const STATS_HEAD = [
  'CONTAINER ID',
  'NAME',
  'CPU %',
  'MEM USAGE / LIMIT',
  'MEM %',
  'NET I/O',
  'BLOCK I/O',
  'PIDS',
];

/** calculateCPUPercentUnix: the container's share of the host's CPU time since the previous sample, × CPUs. */
export function cpuPercent(s: DockerStats): number {
  const cpuDelta = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage;
  const systemDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats.system_cpu_usage ?? 0);
  const cpus = s.cpu_stats.online_cpus || s.cpu_stats.cpu_usage.percpu_usage?.length || 0;
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
}

/** calculateMemUsageUnixNoCache: usage less the inactive page cache (v1's total_inactive_file, v2's inactive_file). */
export function memoryUsage(s: DockerStats): number {
  const usage = s.memory_stats.usage ?? 0;
  const st = s.memory_stats.stats ?? {};
  const inactive = st.total_inactive_file ?? st.inactive_file;
  return inactive !== undefined && inactive < usage ? usage - inactive : usage;
}

/** Received and sent bytes over every interface. */
export function networkIo(s: DockerStats): { rx: number; tx: number } {
  const nets = Object.values(s.networks ?? {});
  return { rx: nets.reduce((a, n) => a + n.rx_bytes, 0), tx: nets.reduce((a, n) => a + n.tx_bytes, 0) };
}

/** calculateBlockIO: read and written bytes (ops by their first letter, v1's "Read" and v2's "read" alike). */
export function blockIo(s: DockerStats): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const e of s.blkio_stats.io_service_bytes_recursive ?? []) {
    const op = e.op.toLowerCase();
    if (op.startsWith('r')) read += e.value;
    else if (op.startsWith('w')) write += e.value;
  }
  return { read, write };
}

/** Go's %.<p>g for the sizes below (no exponent for the values sizes reach). */
const g = (n: number, p: number) => String(Number(n.toPrecision(p)));

function sized(n: number, base: number, units: string[], precision: number): string {
  let i = 0;
  while (n >= base && i < units.length - 1) {
    n /= base;
    i++;
  }
  return `${g(n, precision)}${units[i]}`;
}

/** go-units BytesSize: binary units, 4 significant digits ("1.5MiB"). */
export const bytesSize = (n: number) => sized(n, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'], 4);
/** go-units HumanSizeWithPrecision(n, 3): decimal units ("1.23kB"). */
export const humanSize = (n: number) => sized(n, 1000, ['B', 'kB', 'MB', 'GB', 'TB', 'PB'], 3);

/** One row of the table; a container not running shows dashes as Docker's CLI does (`--` for its zero sample). */
export function statsRow(s: DockerStats): string[] {
  const name = s.name.replace(/^\//, '');
  const id = s.id.slice(0, 12);
  if (s.read === '0001-01-01T00:00:00Z') return [id, name, '0.00%', '0B / 0B', '0.00%', '0B / 0B', '0B / 0B', '0'];
  const mem = memoryUsage(s);
  const limit = s.memory_stats.limit ?? 0;
  const net = networkIo(s);
  const blk = blockIo(s);
  return [
    id,
    name,
    `${cpuPercent(s).toFixed(2)}%`,
    `${bytesSize(mem)} / ${bytesSize(limit)}`,
    `${(limit ? (mem / limit) * 100 : 0).toFixed(2)}%`,
    `${humanSize(net.rx)} / ${humanSize(net.tx)}`,
    `${humanSize(blk.read)} / ${humanSize(blk.write)}`,
    String(s.pids_stats.current ?? 0),
  ];
}
