import { checkWorkflowInput } from '../common/input-check';
import type {
  VolumeCreateInput,
  VolumeInspectInput,
  VolumeListInput,
  VolumeListResult,
  VolumePruneInput,
  VolumePruneResult,
  VolumeRecord,
  VolumeRemoveInput,
} from '../common/volumes-api';
import type { HostRuntime } from '../runtime/host-runtime';
import { createVolume, listVolumes, pruneVolumes, removeVolume } from '../volumes/verbs';
import { withHeartbeat } from './heartbeat';
import { classified } from './to-failure';

/**
 * The volume verbs on one host's store (volumes/verbs.ts): create, ls, inspect, rm, prune. Create and
 * removals record Docker's volume events in the host's event log.
 */
export function createVolumeVerbActivities(runtime: HostRuntime) {
  const holders = () => runtime.store.list();
  const emit = (action: 'create' | 'destroy', name: string) => runtime.volumeEvent(action, name);
  return {
    async createVolume(input: Omit<VolumeCreateInput, 'host'>): Promise<VolumeRecord> {
      return classified(() => {
        checkWorkflowInput('volumeCreate', input);
        return createVolume(runtime.volumes, input, emit);
      });
    },
    async listVolumes(input: Omit<VolumeListInput, 'host'>): Promise<VolumeListResult> {
      return classified(() => {
        checkWorkflowInput('volumeList', input);
        return listVolumes(runtime.volumes, input.filters ?? {}, holders);
      });
    },
    async inspectVolume(input: Omit<VolumeInspectInput, 'host'>): Promise<VolumeRecord> {
      return classified(() => {
        checkWorkflowInput('volumeInspect', input);
        return runtime.volumes.get(input.name);
      });
    },
    /** rm; with dryRun only its checks (exists, unused), so the workflow asks every host before one acts */
    async removeVolume(input: Omit<VolumeRemoveInput, 'host'>): Promise<void> {
      return classified(() => {
        checkWorkflowInput('volumeRemove', input);
        return withHeartbeat(() => removeVolume(runtime.volumes, input, holders, emit));
      });
    },
    async pruneVolumes(input: Omit<VolumePruneInput, 'host'>): Promise<VolumePruneResult> {
      return classified(() => {
        checkWorkflowInput('volumePrune', input);
        return withHeartbeat(() => pruneVolumes(runtime.volumes, input, holders, emit));
      });
    },
  };
}

export type VolumeVerbActivities = ReturnType<typeof createVolumeVerbActivities>;
