import { parseNetMode } from '../common/net-mode';
import { emptyStats, type DockerStats } from '../common/stats-api';
import type { ContainerRuntime } from './contract';
import { sampleCgroup } from './drivers/linux/cgroup-stats';
import { simulatedSample } from './drivers/simulated/sim-stats';
import type { HostParts } from './host-parts';

export type StatsDeps = HostParts & Pick<ContainerRuntime, 'lookup'>;

/**
 * docker stats, one sample (moby daemon/stats.go): a container that is not running (or restarting) is Name
 * and ID with zero values; a running one is read from its cgroup and network namespace (Linux) or given the
 * simulated driver's own numbers. `precpu_stats` and `preread` are the caller's to fill from its previous sample.
 */
export async function containerStats(rt: StatsDeps, ref: string): Promise<DockerStats> {
  const rec = await rt.lookup(ref); // refreshed: a process that has exited reads not running
  const empty = emptyStats(rec.Name, rec.Id);
  if (!rec.State.Running || rec.State.Restarting) return empty;
  const ownNetwork = parseNetMode(rec.HostConfig.NetworkMode)?.kind !== 'host';
  const now = Date.now();
  const sample =
    rt.driver.kind === 'linux'
      ? await sampleCgroup(rt.driver.layout.cgroupsPath(rec.Id), rec.State.Pid, ownNetwork)
      : simulatedSample(rec, now, await rt.driver.hostInfo(), ownNetwork);
  return { ...empty, ...sample, read: new Date(now).toISOString() };
}
