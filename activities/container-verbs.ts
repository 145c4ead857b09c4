import { checkWorkflowInput } from '../common/input-check';
import type {
  ContainerPruneInput,
  ContainerPruneResult,
  DiskUsageResult,
  RenameInput,
  RenameResult,
  TopInput,
  TopResult,
} from '../common/container-verbs-api';
import { pruneContainers } from '../runtime/container-prune';
import { diskUsage } from '../runtime/disk-usage';
import type { HostRuntime } from '../runtime/host-runtime';
import { rename } from '../runtime/rename';
import { top } from '../runtime/top';
import { withHeartbeat } from './heartbeat';
import { isOwnerAlive } from './owner';
import { classified } from './to-failure';

/** On one host (runtime/): rename.ts, top.ts, container-prune.ts and disk-usage.ts. */
export function createContainerVerbActivities(runtime: HostRuntime) {
  return {
    /** `key`: the workflow's, so a retry whose first report was lost finds the rename done */
    async renameContainer(input: RenameInput & { key: string }): Promise<RenameResult> {
      return classified(() => {
        checkWorkflowInput('containerRename', { container: input.container, name: input.name });
        return rename(runtime, input.container, input.name, input.key);
      });
    },
    async topContainer(input: TopInput): Promise<TopResult> {
      return classified(() => {
        checkWorkflowInput('containerTop', input);
        return top(runtime, input.container, input.psArgs);
      });
    },
    async pruneContainers(input: Omit<ContainerPruneInput, 'host'>): Promise<ContainerPruneResult> {
      return classified(() => {
        checkWorkflowInput('containerPrune', input);
        const starting = async (rec: { StartingBy?: { workflowId: string; runId: string } }) =>
          rec.StartingBy !== undefined && (await isOwnerAlive(rec.StartingBy));
        return withHeartbeat((ctx) => pruneContainers(runtime, input, starting, ctx));
      });
    },
    async diskUsage(): Promise<DiskUsageResult> {
      return classified(() => withHeartbeat(() => diskUsage(runtime)));
    },
  };
}

export type ContainerVerbActivities = ReturnType<typeof createContainerVerbActivities>;
