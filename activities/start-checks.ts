import { verifyHostConfig } from '../common/settings';
import type { ContainerSnapshot } from '../common/start-api';
import type { ContainerRecord } from '../common/types';
import type { ContainerRuntime } from '../runtime/contract';
import { currentOwner, isOwnerAlive } from './owner';
import { snapshotOf } from './snapshot';

/**
 * The start's checks and claim as both ways of running them share them: the separate steps (start-steps.ts)
 * and the first look that runs them in one local activity (hosts.ts claimHere). check-state is
 * `notStartable` (common/start-api.ts), which the workflow runs on the snapshot.
 */

/**
 * verify-settings: Docker's verifyContainerSettings of the record, against the host as it is now, and the
 * host's policy (a container created before it, or a legacy hostConfig at start, is refused here).
 */
export async function verifySettingsOf(runtime: ContainerRuntime, rec: ContainerRecord): Promise<void> {
  verifyHostConfig(rec.HostConfig, await runtime.hostInfo());
  await runtime.checkPolicy(rec.HostConfig);
}

/** claim: the container lock, taken for the asking start run; the container as claimed. */
export async function claimForThisRun(runtime: ContainerRuntime, id: string): Promise<ContainerSnapshot> {
  const owner = currentOwner();
  return snapshotOf(await runtime.claimStart(id, owner, isOwnerAlive), owner);
}
