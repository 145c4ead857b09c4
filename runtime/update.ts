import { ContainerError } from '../common/errors';
import { memorySwapOf } from '../common/resources';
import type { HostConfig } from '../common/types';
import { applyUpdate, cannotUpdate, verifyUpdate, type UpdateInput, type UpdateResult } from '../common/update-api';
import { readJson, writeJsonAtomic } from './fsutil';
import { CLAIM_LOCK } from './claim';
import type { ContainerRuntime } from './contract';
import type { Driver } from './driver';
import { runcUpdate, type LiveLimits } from './drivers/linux/runc-update';
import type { SimulatedDriver } from './drivers/simulated/driver';
import type { HostParts } from './host-parts';

export type UpdateDeps = HostParts & Pick<ContainerRuntime, 'lookup'>;

/**
 * docker update (moby daemon/update.go): the update's own settings checked first (plain 400s), then, under the
 * container's claim lock (no start claims it meanwhile) and its record lock, Docker's merge; a running container
 * gets the new limits in its cgroup (runc update) before the record says so, so a refusal (the kernel's, for
 * memory below what is in use) changes nothing. A stopped one is only recorded: its next start reads the record,
 * and so does its monitor's next restart decision. `update` event.
 */
export async function updateContainer(rt: UpdateDeps, input: UpdateInput): Promise<UpdateResult> {
  const warnings = verifyUpdate(input.resources, await rt.driver.hostInfo());
  const { Id } = await rt.lookup(input.container); // refreshed: a process that has exited reads not running
  await rt.store.withLock(
    Id,
    () =>
      rt.store.withLock(Id, async () => {
        const rec = await rt.store.get(Id);
        if (rec.State.RemovalInProgress || rec.State.Dead)
          throw new ContainerError(
            'Conflict',
            cannotUpdate(Id, 'container is marked for removal and cannot be "update"'),
          );
        const next = applyUpdate(Id, rec.HostConfig, input.resources);
        if (rec.State.Running && !rec.State.Restarting) {
          await liveUpdate(rt.driver, Id, limitsOf(next)).catch((err: unknown) => {
            const why = err instanceof Error ? err.message : String(err);
            throw new ContainerError('Internal', cannotUpdate(Id, why), { retryable: false });
          });
        }
        rec.HostConfig = next;
        await rt.store.write(rec);
      }),
    CLAIM_LOCK,
  );
  await rt.records.emitEvent(Id, 'update');
  return { containerId: Id, Warnings: warnings };
}

function limitsOf(hc: HostConfig): LiveLimits {
  return {
    memory: hc.Memory,
    memorySwap: memorySwapOf(hc),
    nanoCpus: hc.NanoCpus,
    pidsLimit: hc.PidsLimit,
    cpuShares: hc.CpuShares ?? 0,
  };
}

/** The running container's new limits: runc update (Linux); the simulated driver rewrites its spec's resources. */
async function liveUpdate(driver: Driver, id: string, limits: LiveLimits): Promise<void> {
  if (driver.kind === 'linux') return runcUpdate(driver.layout, id, limits);
  const file = (driver as SimulatedDriver).bundleConfig(id);
  const spec = await readJson<{ resources?: Record<string, unknown> }>(file);
  if (!spec) throw new ContainerError('Internal', `the simulated container ${id} has no spec`);
  spec.resources = {
    ...spec.resources,
    memory: limits.memory,
    memorySwap: limits.memorySwap ?? null,
    nanoCpus: limits.nanoCpus,
    pidsLimit: limits.pidsLimit,
    cpuShares: limits.cpuShares,
  };
  await writeJsonAtomic(file, spec);
}
