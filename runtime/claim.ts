import { ContainerError, Messages } from '../common/errors';
import type { ContainerRecord, StartOwner } from '../common/types';
import type { StateStore } from './store';

/**
 * Second per-container lock: held by a start claim and by gc's sweep of that container, so a saga cannot
 * claim (and so create anything) while its container is swept, and a claimed container is left to its saga.
 */
export const CLAIM_LOCK = '.claim';

/**
 * The claim Docker's containerStart takes under the container lock: records `owner` as the saga starting
 * the container. Re-claiming by the same owner succeeds; a live other owner → StartInProgress (409); a dead
 * owner's claim is taken over; removal in progress or dead → ContainerBeingRemoved (409).
 */
export function claimStart(
  store: StateStore,
  id: string,
  owner: StartOwner,
  isAlive: (o: StartOwner) => Promise<boolean>,
): Promise<ContainerRecord> {
  return store.withLock(
    id,
    () =>
      store.withLock(id, async () => {
        const rec = await store.get(id);
        if (rec.State.RemovalInProgress || rec.State.Dead)
          throw new ContainerError('ContainerBeingRemoved', Messages.beingRemoved);
        const held = rec.StartingBy;
        const mine = held && held.workflowId === owner.workflowId && held.runId === owner.runId;
        if (held && !mine && (await isAlive(held))) {
          throw new ContainerError('StartInProgress', Messages.startInProgress(id, held.workflowId));
        }
        rec.StartingBy = owner;
        await store.write(rec);
        return rec;
      }),
    CLAIM_LOCK,
  );
}

/** Drops the claim if `owner` holds it. Idempotent. */
export async function releaseStart(store: StateStore, id: string, owner: StartOwner): Promise<void> {
  await store.withLock(id, async () => {
    const rec = await store.read(id);
    if (!rec || rec.StartingBy?.workflowId !== owner.workflowId || rec.StartingBy.runId !== owner.runId) return;
    delete rec.StartingBy;
    await store.write(rec);
  });
}
