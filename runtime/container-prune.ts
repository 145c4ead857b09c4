import { ContainerError } from '../common/errors';
import type { ContainerPruneInput, ContainerPruneResult } from '../common/container-verbs-api';
import type { ContainerRecord } from '../common/types';
import { treeSize } from '../images/tree-size';
import { hasLabel } from '../networks/resource';
import { CLAIM_LOCK } from './claim';
import type { ContainerRuntime, StepContext } from './contract';
import type { HostParts } from './host-parts';

/** What prune works with: the records, the refreshed list and docker rm. */
export type PruneDeps = HostParts & Pick<ContainerRuntime, 'list' | 'remove'>;

/** Whether the filters take the container (pure): its labels, and created before `until`. */
export function prunableBy(rec: ContainerRecord, input: Omit<ContainerPruneInput, 'host'>): boolean {
  const labels = rec.Config.Labels ?? {};
  if (!(input.labels ?? []).every((l) => hasLabel(labels, l))) return false;
  if ((input.labelsNot ?? []).some((l) => hasLabel(labels, l))) return false;
  if (input.until !== undefined && !(Date.parse(rec.Created) < Date.parse(input.until))) return false;
  return true;
}

/** Docker's IsRunning for prune: running, paused (still running) or restarting containers are never pruned. */
const runs = (rec: ContainerRecord) => rec.State.Running || rec.State.Restarting || rec.State.Paused;

/**
 * docker container prune (moby daemon/prune.go ContainersPrune) on one host: every container that does not run,
 * that the filters take, removed as `docker rm` removes it; SpaceReclaimed is their writable layers' bytes.
 * Each is marked for removal under its claim lock after a last look, so a start that claims it meanwhile is
 * refused (ContainerBeingRemoved) and one in flight (`isStarting`: its claim's workflow runs) keeps it. A
 * container that cannot be removed is left out, as Docker leaves it (its leftovers are recorded by rm).
 */
export async function pruneContainers(
  rt: PruneDeps,
  input: Omit<ContainerPruneInput, 'host'>,
  isStarting: (rec: ContainerRecord) => Promise<boolean>,
  ctx?: StepContext,
): Promise<ContainerPruneResult> {
  const deleted: string[] = [];
  let reclaimed = 0;
  for (const seen of await rt.list()) {
    if (runs(seen) || !prunableBy(seen, input)) continue;
    const id = seen.Id;
    const marked = await rt.store
      .withLock(id, () => rt.store.withLock(id, () => markForPrune(rt, id, isStarting)), CLAIM_LOCK)
      .catch(skipGone);
    if (!marked) continue;
    const size = await treeSize(rt.driver.layout.upper(id));
    try {
      await rt.remove(id, false, ctx);
    } catch (err) {
      // our mark goes with a removal that did not happen (rm records a dead container's leftovers itself)
      await unmark(rt, id);
      if (err instanceof ContainerError && !err.retryable) continue;
      throw err;
    }
    deleted.push(id);
    reclaimed += size;
  }
  return { ContainersDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed };
}

/** The last look under the locks: still not running, no start in flight, no removal under way; then marked. */
async function markForPrune(
  rt: PruneDeps,
  id: string,
  isStarting: (rec: ContainerRecord) => Promise<boolean>,
): Promise<boolean> {
  const rec = await rt.store.get(id);
  if (runs(rec) || rec.State.RemovalInProgress) return false;
  if (rec.StartingBy && (await isStarting(rec))) return false;
  rec.State.RemovalInProgress = true;
  await rt.store.write(rec);
  return true;
}

/** Drops prune's mark from a container still there and not dead, so that it can start again. */
async function unmark(rt: PruneDeps, id: string): Promise<void> {
  await rt.store
    .update(id, (r) => {
      if (!r.State.Dead) r.State.RemovalInProgress = false;
    })
    .catch(skipGone);
}

/** A container removed by someone else meanwhile is no longer prune's. */
function skipGone(err: unknown): false {
  if (err instanceof ContainerError && err.type === 'NoSuchContainer') return false;
  throw err;
}
