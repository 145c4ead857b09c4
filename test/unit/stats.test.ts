import { describe, expect, it } from 'vitest';
import { emptyStats, withPrevious, type DockerStats } from '../../common/stats-api';
import {
  parseBlkioV1,
  parseIoStat,
  parseKeyed,
  parseLimit,
  parseNetDev,
  parseSystemCpu,
} from '../../runtime/drivers/linux/cgroup-stats';
import { simulatedSample } from '../../runtime/drivers/simulated/sim-stats';
import { blockIo, bytesSize, cpuPercent, humanSize, memoryUsage, statsRow } from '../../client/stats-format';
import type { ContainerRecord } from '../../common/types';

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0
  eth0:    1296      16    1    2    0     0          0         0      726       9    3    4    0     0       0          0
`;

describe('cgroup and /proc parsers', () => {
  it.each([
    ['usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n', { usage_usec: 1500, user_usec: 1000, system_usec: 500 }],
    [
      'cache 4096\nrss 8192\nhierarchical_memory_limit 9223372036854771712\n',
      { cache: 4096, rss: 8192, hierarchical_memory_limit: 9223372036854771712 },
    ],
    ['', {}],
  ])('parseKeyed(%j)', (text, want) => expect(parseKeyed(text)).toEqual(want));

  it.each([
    ['max\n', undefined],
    ['9223372036854771712\n', undefined],
    ['104857600\n', 104857600],
    ['', undefined],
  ])('parseLimit(%j) = %j', (text, want) => expect(parseLimit(text)).toBe(want));

  it('system CPU: user … softirq ticks of the cpu line, in ns', () => {
    expect(parseSystemCpu('cpu  10 1 5 100 2 0 3 7 0 0\ncpu0 1 1 1 1 1 1 1\n')).toBe(
      (10 + 1 + 5 + 100 + 2 + 0 + 3) * 1e7,
    );
  });

  it('net/dev: every interface but lo, receive and transmit columns', () => {
    expect(parseNetDev(NET_DEV)).toEqual({
      eth0: {
        rx_bytes: 1296,
        rx_packets: 16,
        rx_errors: 1,
        rx_dropped: 2,
        tx_bytes: 726,
        tx_packets: 9,
        tx_errors: 3,
        tx_dropped: 4,
      },
    });
  });

  it('blkio v1 (the Total line dropped) and v2 io.stat (read and write per device)', () => {
    expect(parseBlkioV1('8:0 Read 4096\n8:0 Write 512\n8:0 Total 4608\nTotal 4608\n')).toEqual([
      { major: 8, minor: 0, op: 'Read', value: 4096 },
      { major: 8, minor: 0, op: 'Write', value: 512 },
      { major: 8, minor: 0, op: 'Total', value: 4608 },
    ]);
    expect(parseIoStat('259:0 rbytes=8192 wbytes=4096 rios=2 wios=1 dbytes=0 dios=0\n')).toEqual([
      { major: 259, minor: 0, op: 'read', value: 8192 },
      { major: 259, minor: 0, op: 'write', value: 4096 },
    ]);
  });
});

function sample(over: Partial<DockerStats>): DockerStats {
  return { ...emptyStats('/web', 'a'.repeat(64)), read: '2026-01-01T00:00:01Z', ...over };
}

describe("the docker CLI's columns", () => {
  it('CPU %: the container delta over the system delta, times the online CPUs', () => {
    const prev = sample({});
    prev.cpu_stats = {
      ...prev.cpu_stats,
      system_cpu_usage: 1e9,
      cpu_usage: { ...prev.cpu_stats.cpu_usage, total_usage: 1e8 },
    };
    const next = sample({});
    next.cpu_stats = {
      ...next.cpu_stats,
      system_cpu_usage: 3e9,
      online_cpus: 2,
      cpu_usage: { ...next.cpu_stats.cpu_usage, total_usage: 3e8 },
    };
    expect(cpuPercent(withPrevious(next, prev))).toBeCloseTo(20);
    expect(cpuPercent(next)).toBeCloseTo((3e8 / 3e9) * 2 * 100); // no previous sample: since zero
  });

  it('memory: usage less the inactive file cache (v1 total_inactive_file, v2 inactive_file)', () => {
    expect(memoryUsage(sample({ memory_stats: { usage: 1000, stats: { total_inactive_file: 300 } } }))).toBe(700);
    expect(memoryUsage(sample({ memory_stats: { usage: 1000, stats: { inactive_file: 200 } } }))).toBe(800);
    expect(memoryUsage(sample({ memory_stats: { usage: 1000, stats: { inactive_file: 2000 } } }))).toBe(1000);
  });

  it('block I/O by op initial; sizes as go-units prints them', () => {
    const s = sample({});
    s.blkio_stats.io_service_bytes_recursive = [
      { major: 8, minor: 0, op: 'Read', value: 1000 },
      { major: 8, minor: 0, op: 'write', value: 24 },
      { major: 8, minor: 0, op: 'Total', value: 1024 },
    ];
    expect(blockIo(s)).toEqual({ read: 1000, write: 24 });
    expect([bytesSize(0), bytesSize(1536 * 1024), bytesSize(7.7734 * 2 ** 30)]).toEqual(['0B', '1.5MiB', '7.773GiB']);
    expect([humanSize(656), humanSize(1234), humanSize(12_345_678)]).toEqual(['656B', '1.23kB', '12.3MB']);
  });

  it('a row; a stopped container (zero sample) shows zeros', () => {
    const s = sample({
      memory_stats: { usage: 2 * 2 ** 20, limit: 8 * 2 ** 20, stats: {} },
      pids_stats: { current: 3 },
    });
    expect(statsRow(s)).toEqual(['aaaaaaaaaaaa', 'web', '0.00%', '2MiB / 8MiB', '25.00%', '0B / 0B', '0B / 0B', '3']);
    expect(statsRow(emptyStats('/web', 'b'.repeat(64)))[2]).toBe('0.00%');
  });
});

describe('the simulated sample', () => {
  const rec = {
    State: { StartedAt: '2026-01-01T00:00:00.000Z' },
    HostConfig: { Memory: 64 * 2 ** 20, PidsLimit: 10, NetworkMode: 'bridge' },
  } as unknown as ContainerRecord;
  it('CPU at 1% of one CPU since the start, the memory limit, pids, eth0 unless host networking', () => {
    const now = Date.parse('2026-01-01T00:00:10.000Z');
    const s = simulatedSample(rec, now, { cpus: 2, memoryBytes: 2 ** 30 }, true);
    expect(s.cpu_stats.cpu_usage.total_usage).toBe(10e9 * 0.01);
    expect(s.memory_stats.limit).toBe(64 * 2 ** 20);
    expect(s.pids_stats).toEqual({ current: 1, limit: 10 });
    expect(Object.keys(s.networks ?? {})).toEqual(['eth0']);
    expect(simulatedSample(rec, now, { cpus: 2, memoryBytes: 2 ** 30 }, false).networks).toBeUndefined();
  });
});
