import type { DockerStats, StatsInput } from '../common/stats-api';
import { locate, onHost } from './host-routing';
import { fast } from './options';

/** docker stats: one sample, read on the container's host (the `stats` read of workflows/reads.ts). */
export async function statsOnHost(input: StatsInput): Promise<DockerStats> {
  const at = await locate(input.container);
  return onHost(at.host, fast).statsContainer(input);
}
