import type { LinkTarget } from '../common/env';
import type { ContainerSnapshot } from '../common/start-api';
import { verifyHostConfig, type HostInfo } from '../common/settings';
import { defaultHostConfig, type HostConfig } from '../common/types';
import type { ContainerRuntime } from '../runtime/contract';
import { withHeartbeat } from './heartbeat';
import { currentOwner, isOwnerAlive } from './owner';
import { snapshotOf } from './snapshot';
import { classified } from './to-failure';

export interface IdInput {
  id: string;
}

/** The start saga's activities: each one a thin adapter from a step to the driver. */
export function createStartActivities(runtime: ContainerRuntime) {
  return {
    // 0: daemon.Get
    async lookupContainer(input: { container: string }): Promise<ContainerSnapshot> {
      return classified(async () => snapshotOf(await runtime.lookup(input.container)));
    },
    async hostInfo(): Promise<HostInfo> {
      return classified(() => runtime.hostInfo());
    },
    // 2: setHostConfig (legacy hostConfig at start)
    async setHostConfig(input: { id: string; hostConfig: Partial<HostConfig> }): Promise<void> {
      return classified(async () => {
        const rec = await runtime.lookup(input.id);
        const merged = { ...defaultHostConfig(), ...rec.HostConfig, ...input.hostConfig };
        verifyHostConfig(merged, await runtime.hostInfo());
        await runtime.setHostConfig(input.id, merged);
      });
    },
    // 3: verifyContainerSettings, against the host as it is now
    async verifySettings(input: IdInput): Promise<void> {
      return classified(async () => {
        const [rec, host] = await Promise.all([runtime.lookup(input.id), runtime.hostInfo()]);
        verifyHostConfig(rec.HostConfig, host);
      });
    },
    // 4: re-check under the container lock and claim it for this saga
    async claimStart(input: IdInput): Promise<ContainerSnapshot> {
      return classified(async () => snapshotOf(await runtime.claimStart(input.id, currentOwner(), isOwnerAlive)));
    },
    async releaseStart(input: IdInput): Promise<void> {
      return classified(() => runtime.releaseStart(input.id, currentOwner()));
    },
    // 5
    async mountRootfs(input: IdInput): Promise<void> {
      await classified(() => withHeartbeat((ctx) => runtime.mountRootfs(input.id, ctx)));
    },
    async unmountRootfs(input: IdInput): Promise<void> {
      return classified(() => withHeartbeat((ctx) => runtime.unmountRootfs(input.id, ctx)));
    },
    // 7
    async connectNetwork(input: IdInput): Promise<{ ipAddress: string }> {
      return classified(async () => ({ ipAddress: (await withHeartbeat((ctx) => runtime.connectNetwork(input.id, ctx))).IPAddress }));
    },
    async releaseNetwork(input: IdInput): Promise<void> {
      return classified(() => withHeartbeat((ctx) => runtime.releaseNetwork(input.id, ctx)));
    },
    // 8
    async linkedContainers(input: IdInput): Promise<LinkTarget[]> {
      return classified(() => runtime.linkedContainers(input.id));
    },
    // 9
    async setupWorkingDir(input: IdInput): Promise<void> {
      return classified(() => runtime.setupWorkingDir(input.id));
    },
    // 11
    async writeSpec(input: { id: string; env: string[]; extraHosts: string[] }): Promise<void> {
      return classified(() => runtime.writeSpec(input.id, { env: input.env, extraHosts: input.extraHosts }));
    },
    async removeSpec(input: IdInput): Promise<void> {
      return classified(() => runtime.removeSpec(input.id));
    },
    // 12
    async setupIpc(input: IdInput): Promise<void> {
      return classified(() => withHeartbeat((ctx) => runtime.setupIpc(input.id, ctx)));
    },
    async releaseIpc(input: IdInput): Promise<void> {
      return classified(() => withHeartbeat((ctx) => runtime.releaseIpc(input.id, ctx)));
    },
    // 13
    async mountVolumes(input: IdInput): Promise<void> {
      return classified(() => withHeartbeat((ctx) => runtime.mountVolumes(input.id, ctx)));
    },
    async unmountVolumes(input: IdInput): Promise<void> {
      return classified(() => withHeartbeat((ctx) => runtime.unmountVolumes(input.id, ctx)));
    },
    // 14
    async startProcess(input: IdInput): Promise<{ pid: number }> {
      return classified(() => withHeartbeat((ctx) => runtime.startProcess(input.id, ctx)));
    },
    async unregisterProcess(input: IdInput): Promise<void> {
      return classified(() => withHeartbeat((ctx) => runtime.unregisterProcess(input.id, ctx)));
    },
    // 15
    async markRunning(input: { id: string; pid: number }): Promise<void> {
      await classified(() => runtime.markRunning(input.id, input.pid));
    },
    // F: error, exit code and state to disk, before the compensations run
    async markFailed(input: { id: string; error: string; exitCode: number }): Promise<void> {
      return classified(() => runtime.markFailed(input.id, input.error, input.exitCode));
    },
    // F: after the compensations: what could not be released, and the `die` event
    async finishFailed(input: { id: string; leftovers: string[]; exitCode: number }): Promise<void> {
      return classified(async () => {
        await runtime.recordLeftovers(input.id, input.leftovers);
        const { workflowId, runId } = currentOwner();
        await runtime.emitEventOnce(input.id, `${workflowId}/${runId}`, 'die', { exitCode: String(input.exitCode) });
      });
    },
  };
}

export type StartActivities = ReturnType<typeof createStartActivities>;
