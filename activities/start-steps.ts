import type { LinkTarget } from '../common/env';
import { checkHostConfigInput } from '../common/input-check';
import type { ContainerSnapshot } from '../common/start-api';
import { verifyHostConfig, type HostInfo } from '../common/settings';
import { defaultHostConfig, type HostConfig } from '../common/types';
import type { ContainerRuntime } from '../runtime/contract';
import { createHostStepActivities } from './host-steps';
import { handOffToMonitor } from './monitor';
import { currentOwner } from './owner';
import { claimForThisRun, verifySettingsOf } from './start-checks';
import { snapshotOf } from './snapshot';
import { classified } from './to-failure';

export interface IdInput {
  id: string;
}

/**
 * The start saga's activities: each a thin adapter to the runtime. The host steps' are generated from the
 * table (host-steps.ts); these are the record-level ones around them.
 */
export interface StartActivityOptions {
  /**
   * Hand each run that mark-running records to the container's monitor (workflows/monitor.ts): the worker
   * does; activity tests without a Temporal client do not.
   */
  monitorRuns?: boolean;
}

export function createStartActivities(runtime: ContainerRuntime, opts: StartActivityOptions = {}) {
  return {
    // lookup (daemon.Get)
    async lookupContainer(input: { container: string }): Promise<ContainerSnapshot> {
      return classified(async () => snapshotOf(await runtime.lookup(input.container), currentOwner()));
    },
    async hostInfo(): Promise<HostInfo> {
      return classified(() => runtime.hostInfo());
    },
    // host-config: setHostConfig (legacy hostConfig at start); validates it (security options included) once
    async setHostConfig(input: { id: string; hostConfig: Partial<HostConfig> }): Promise<void> {
      return classified(async () => {
        checkHostConfigInput(input.hostConfig);
        const rec = await runtime.lookup(input.id);
        const merged = { ...defaultHostConfig(), ...rec.HostConfig, ...input.hostConfig };
        verifyHostConfig(merged, await runtime.hostInfo());
        await runtime.setHostConfig(input.id, merged);
      });
    },
    // verify-settings: verifyContainerSettings, against the host as it is now
    async verifySettings(input: IdInput): Promise<void> {
      return classified(async () => verifySettingsOf(runtime, await runtime.lookup(input.id)));
    },
    // claim: re-check under the container lock and claim it for this saga
    async claimStart(input: IdInput): Promise<ContainerSnapshot> {
      return classified(() => claimForThisRun(runtime, input.id));
    },
    async releaseStart(input: IdInput): Promise<void> {
      return classified(() => runtime.releaseStart(input.id, currentOwner()));
    },
    // links (setupLinkedContainers): record reads only
    async linkedContainers(input: IdInput): Promise<LinkTarget[]> {
      return classified(() => runtime.linkedContainers(input.id));
    },
    ...createHostStepActivities(runtime),
    // mark-running, and the run handed to the container's monitor (Docker's newContainerMonitor); with
    // releaseClaim the start's claim released in the same call, which the saga then does not release again
    async markRunning(input: { id: string; pid: number; releaseClaim?: boolean }): Promise<void> {
      await classified(async () => {
        const rec = await runtime.markRunning(input.id, input.pid, currentOwner());
        if (opts.monitorRuns) await handOffToMonitor(rec, currentOwner());
        if (input.releaseClaim) await runtime.releaseStart(input.id, currentOwner());
      });
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
