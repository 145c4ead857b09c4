import { checkWorkflowInput } from '../common/input-check';
import type {
  ImagePruneInput,
  ImagePruneResult,
  ImageRemoveInput,
  ImageRemoveResult,
  ImageTagInput,
} from '../common/image-verbs-api';
import type { ContainerEvent } from '../common/types';
import { pruneImages } from '../images/prune';
import { collectDeleted, removeImage, type ImageUser } from '../images/remove';
import { tagImage } from '../images/tag';
import type { HostRuntime } from '../runtime/host-runtime';
import { withHeartbeat } from './heartbeat';
import { classified } from './to-failure';

/**
 * The image verbs on one host's store (images/tag.ts, remove.ts, prune.ts): tag, rmi, prune. Each records
 * Docker's image events (`tag`, `untag`, `delete`, type image) in the host's event log.
 */
export function createImageVerbActivities(runtime: HostRuntime) {
  const event = (action: ContainerEvent['action'], id: string, name: string) =>
    runtime.store.appendEvent({ time: new Date().toISOString(), type: 'image', action, id, name });
  const emit = (action: 'untag' | 'delete', id: string) => event(action, id, id);
  /** the host's containers whose image is `id` (records hold the ID create resolved their image to) */
  const users = async (id: string): Promise<ImageUser[]> =>
    (await runtime.list()).filter((c) => c.Image === id).map((c) => ({ id: c.Id, running: c.State.Running }));

  return {
    async tagImage(input: Omit<ImageTagInput, 'host'>): Promise<{ id: string; target: string }> {
      return classified(async () => {
        checkWorkflowInput('imageTag', input);
        const tagged = await tagImage(runtime.images, input.source, input.target);
        await event('tag', tagged.id, tagged.target);
        return tagged;
      });
    },
    /** rmi; with dryRun only its checks (the conflicts), so the workflow asks every host before one acts */
    async removeImage(input: Omit<ImageRemoveInput, 'host'>): Promise<ImageRemoveResult> {
      return classified(async () => {
        checkWorkflowInput('imageRemove', input);
        const { plan, meta } = await removeImage(runtime.images, input.image, users, {
          force: input.force,
          dryRun: input.dryRun,
          emit,
        });
        if (input.dryRun) return plan.records;
        const layers = await withHeartbeat(() => collectDeleted(runtime.images, meta ? [meta] : []));
        return [...plan.records, ...layers.records];
      });
    },
    async pruneImages(input: Omit<ImagePruneInput, 'host'>): Promise<ImagePruneResult> {
      return classified(async () => {
        checkWorkflowInput('imagePrune', input);
        const used = new Set((await runtime.list()).flatMap((c) => (c.Image ? [c.Image] : [])));
        return withHeartbeat(() => pruneImages(runtime.images, input, used, emit));
      });
    },
  };
}

export type ImageVerbActivities = ReturnType<typeof createImageVerbActivities>;
