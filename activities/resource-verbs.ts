import { checkWorkflowInput } from '../common/input-check';
import type { DockerStats, StatsInput } from '../common/stats-api';
import type { HostRuntime } from '../runtime/host-runtime';
import { containerStats } from '../runtime/stats';
import type { UpdateInput, UpdateResult } from '../common/update-api';
import { updateContainer } from '../runtime/update';
import { classified } from './to-failure';

/** Activities behind docker stats and docker update (runtime/stats.ts, runtime/update.ts). */
export function createResourceVerbActivities(runtime: HostRuntime) {
  return {
    /** One sample of the container's resource use (the `stats` read; a stream reads once a second). */
    async statsContainer(input: StatsInput): Promise<DockerStats> {
      return classified(() => {
        checkWorkflowInput('containerStats', input);
        return containerStats(runtime, input.container);
      });
    },
    /** docker update: Docker's checks, then the record and (running) the cgroup under the claim lock. */
    async updateContainer(input: UpdateInput): Promise<UpdateResult> {
      return classified(() => {
        checkWorkflowInput('containerUpdate', input);
        return updateContainer(runtime, input);
      });
    },
  };
}

export type ResourceVerbActivities = ReturnType<typeof createResourceVerbActivities>;
