import type { DockerStats, StatsInput } from '../common/stats-api';
import type { UpdateInput, UpdateResult } from '../common/update-api';
import { checkInput, surfaced } from './failures';
import { locate, onHost } from './host-routing';
import { fast } from './options';

/** docker stats: one sample, read on the container's host (the `stats` read of workflows/reads.ts). */
export async function statsOnHost(input: StatsInput): Promise<DockerStats> {
  const at = await locate(input.container);
  return onHost(at.host, fast).statsContainer(input);
}

/**
 * docker update: a workflow (it changes the record and, running, the cgroup), run on the container's host; the
 * failure is Docker's type and message at the top level.
 */
export function containerUpdate(input: UpdateInput): Promise<UpdateResult> {
  checkInput('containerUpdate', input);
  return surfaced(async () => {
    const at = await locate(input.container);
    return onHost(at.host, fast).updateContainer(input);
  });
}
