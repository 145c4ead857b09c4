import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ContainerError } from '../common/errors';
import {
  HOST_LIVE_WINDOW_MS,
  HOSTS_MEMO,
  hostsWorkflowId,
  hostTaskQueue,
  type HostRegistration,
  type HostStatus,
  type HostView,
  type LocatedHere,
} from '../common/hosts-api';
import { matchContainer } from '../common/lookup';
import { notStartable, type ClaimedHere } from '../common/start-api';
import type { HostRuntime } from '../runtime/host-runtime';
import { currentOwner } from './owner';
import { claimForThisRun, verifySettingsOf } from './start-checks';
import { snapshotOf } from './snapshot';
import { classified, failureDetailOf } from './to-failure';
import { bareName, isFullId } from '../common/names';
import type { RefusingStep } from '../common/steps';

const TASK_QUEUE_KIND_NORMAL = 1;
const TASK_QUEUE_TYPE_ACTIVITY = 2;

/** Seconds and nanos of a protobuf Timestamp (the describe call's lastAccessTime), as milliseconds. */
function millisOf(t: { seconds?: unknown; nanos?: number | null } | null | undefined): number | undefined {
  if (!t || t.seconds === undefined || t.seconds === null) return undefined;
  return Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

/**
 * The activities of many hosts (common/hosts-api.ts): finding a container's host, a host's own counts, and
 * the registry with liveness. `liveHosts` runs on the shared queue (any worker can ask Temporal);
 * `locateHere` and `hostStatus` on the host they ask about.
 */
export function createHostActivities(runtime: HostRuntime) {
  return {
    /**
     * Docker's daemon.Get on this host alone: how the ref matches here (full ID, exact name, unique ID
     * prefix), or nothing. A prefix shared by two containers here is AmbiguousContainer, as on one host.
     */
    async locateHere(input: { container: string; withSnapshot?: boolean; withView?: boolean }): Promise<LocatedHere> {
      return classified(async () => {
        const located = await locateIn(runtime, input.container);
        if (!located.match || located.match.by === 'prefix') return located;
        // When it is surely here (a full ID or an exact name), what the caller will ask next comes with it: the
        // start saga's snapshot (one marker less in its first workflow task), an inspect's view (one activity less).
        if (input.withSnapshot)
          return { ...located, snapshot: snapshotOf(await runtime.lookup(located.match.id), currentOwner()) };
        if (input.withView) return { ...located, view: await runtime.lookup(located.match.id) };
        return located;
      });
    },

    /**
     * The start's first look on the worker that runs its workflow task, with check-state, verify-settings
     * and the claim when the container is surely here (a full ID or an exact name), in Docker's order:
     * daemon.Get, validateState, verifyContainerSettings, then the container lock. A check that refuses is
     * answered, with nothing claimed, so the saga fails at that step; a container not surely here gets the
     * first look alone (the saga then asks the other hosts).
     */
    async claimHere(input: { container: string }): Promise<ClaimedHere> {
      return classified(async () => {
        const located = await locateIn(runtime, input.container);
        if (!located.match || located.match.by === 'prefix') return { located };
        const rec = await runtime.lookup(located.match.id);
        const here = { ...located, snapshot: snapshotOf(rec, currentOwner()) };
        const refused = (step: RefusingStep, err: unknown): ClaimedHere => {
          // a failure a retry may cure (Internal) is thrown, to be retried as any step's
          if (!(err instanceof ContainerError) || err.retryable) throw err;
          return { located: here, claim: { refused: { step, error: failureDetailOf(err) } } };
        };
        const state = notStartable(here.snapshot);
        if (state) return refused('check-state', state);
        try {
          await verifySettingsOf(runtime, rec);
        } catch (err) {
          return refused('verify-settings', err);
        }
        try {
          // the container as claimed, in both places: a second run (a retried task) reads the same answer
          const claimed = await claimForThisRun(runtime, rec.Id);
          return { located: { ...here, snapshot: claimed }, claim: { claimed } };
        } catch (err) {
          return refused('claim', err);
        }
      });
    },
    /** This host's counts for placement and `host ls`; with an image, whether it is here. */
    async hostStatus(input: { image?: string }): Promise<HostStatus> {
      return classified(async () => {
        const all = await runtime.list();
        const status: HostStatus = {
          name: runtime.hostName,
          driver: runtime.kind,
          running: all.filter((c) => c.State.Running || c.State.Restarting).length,
          containers: all.length,
        };
        if (input.image !== undefined) status.hasImage = await runtime.hasImage(input.image);
        return status;
      });
    },

    /**
     * The registered hosts and which are live: the registry workflow's query, then, per host, the pollers the
     * server has seen on its host queue (a poll within HOST_LIVE_WINDOW_MS: live).
     */
    async liveHosts(): Promise<HostView[]> {
      const { client, info } = Context.current();
      const shared = info.taskQueue;
      let hosts: HostRegistration[];
      try {
        // the memo, not the query: a describe is served by the server alone, a query needs a worker's turn
        const memo = (await client.workflow.getHandle(hostsWorkflowId(shared)).describe()).memo;
        hosts = (memo?.[HOSTS_MEMO] as HostRegistration[] | undefined) ?? [];
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return [];
        throw err;
      }
      const now = Date.now();
      return Promise.all(
        hosts.map(async (h): Promise<HostView> => {
          const res = await client.workflowService.describeTaskQueue({
            namespace: client.options.namespace,
            taskQueue: { name: hostTaskQueue(shared, h.name), kind: TASK_QUEUE_KIND_NORMAL },
            taskQueueType: TASK_QUEUE_TYPE_ACTIVITY,
          });
          const seen = Math.max(-1, ...(res.pollers ?? []).map((p) => millisOf(p.lastAccessTime) ?? -1));
          return {
            ...h,
            live: seen >= 0 && now - seen <= HOST_LIVE_WINDOW_MS,
            ...(seen >= 0 ? { lastSeen: new Date(seen).toISOString() } : {}),
          };
        }),
      );
    },
  };
}

export type HostActivities = ReturnType<typeof createHostActivities>;

/** Docker's daemon.Get on one host's records (common/lookup.ts): how the ref matches there, or nothing. */
async function locateIn(runtime: HostRuntime, ref: string): Promise<LocatedHere> {
  // A full ID is a direct read (the start saga's restarts, the verbs given an ID); the rest need the list.
  const direct = isFullId(ref) ? await runtime.store.read(ref) : undefined;
  const match = direct ? { found: direct, by: 'id' as const } : matchContainer(await runtime.store.list(), ref);
  return {
    host: runtime.hostName,
    ...(match ? { match: { id: match.found.Id, name: bareName(match.found.Name), by: match.by } } : {}),
  };
}
