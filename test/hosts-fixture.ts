import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { createContainer, imageImport } from '../client/api';
import { hostList, setHostAvailability } from '../client/hosts';
import type { Session } from '../client/connection';
import { hostTaskQueue, type HostAvailability, type HostRow } from '../common/hosts-api';
import type { CreateRequest } from '../common/types';
import { until } from './harness';

/**
 * Shared by the two-host tests (hosts-simulated, hosts-linux, durability/host-loss): the verbs of many hosts
 * through the Temporal client, and what a workflow's history says about where each of its activities ran.
 */

// The verbs of many hosts, as the CLI's library sends them (client/api.ts): `create --host`, `image import
// --host`, `host ls`, `host drain|activate`.
export const createOn = (s: Session, request: CreateRequest, host?: string) => createContainer(s, request, host);
export const importOn = (s: Session, name: string, source: string, host?: string) => imageImport(s, name, source, host);
export const hostLs = (s: Session) => hostList(s);
export const setAvailability = (s: Session, name: string, availability: HostAvailability) =>
  setHostAvailability(s, name, availability);

/** Resolves once `host ls` shows every host of `names` live (a worker's first poll may take a moment to show). */
export function untilLive(s: Session, names: readonly string[], ms = 30_000): Promise<HostRow[]> {
  return until<HostRow[]>(
    `hosts ${names.join(', ')} live`,
    async () => {
      const rows = await hostLs(s);
      return names.every((n) => rows.some((r) => r.name === n && r.live && r.status)) ? rows : undefined;
    },
    ms,
    250,
  );
}

/** One activity of a workflow's history and where it ran. */
export interface RanActivity {
  type: string;
  /** a scheduled activity's task queue; a local activity has none (it runs in the workflow task's worker) */
  taskQueue?: string;
  /**
   * the worker that ran it: the ActivityTaskStarted identity, or for a local activity the identity of the workflow task
   * that recorded it
   */
  identity?: string;
  local: boolean;
}

const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString('utf8');

/**
 * Every activity of a workflow run, scheduled and local, in history order, each with the worker that ran it.
 * Local activities are recorded as markers by the workflow task that ran them: their worker is that task's.
 */
export async function activitiesOf(client: Client, workflowId: string, runId?: string): Promise<RanActivity[]> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const events = history.events ?? [];
  const byId = new Map(events.map((e) => [Number(e.eventId), e]));
  const out: RanActivity[] = [];
  const scheduled = new Map<number, RanActivity>();
  for (const e of events) {
    const id = Number(e.eventId);
    if (e.activityTaskScheduledEventAttributes) {
      const a = e.activityTaskScheduledEventAttributes;
      const ran: RanActivity = {
        type: a.activityType?.name ?? '?',
        taskQueue: a.taskQueue?.name ?? undefined,
        local: false,
      };
      scheduled.set(id, ran);
      out.push(ran);
    } else if (e.activityTaskStartedEventAttributes) {
      const a = e.activityTaskStartedEventAttributes;
      const ran = scheduled.get(Number(a.scheduledEventId));
      if (ran) ran.identity = a.identity ?? undefined;
    } else if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') {
      const m = e.markerRecordedEventAttributes;
      const data = JSON.parse(text(m.details?.data?.payloads?.[0]?.data)) as { activity_type: string };
      const completed = byId.get(Number(m.workflowTaskCompletedEventId));
      out.push({
        type: data.activity_type,
        identity: completed?.workflowTaskCompletedEventAttributes?.identity ?? undefined,
        local: true,
      });
    }
  }
  return out;
}

/** The identities of the workers that completed a run's workflow tasks, in order. */
export async function workflowTaskWorkers(client: Client, workflowId: string, runId?: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return (history.events ?? []).flatMap((e) =>
    e.workflowTaskCompletedEventAttributes ? [e.workflowTaskCompletedEventAttributes.identity ?? ''] : [],
  );
}

/**
 * The activities that touch a host: all but those of the shared queue (the registry's `liveHosts`, the first
 * `locateHere` of a verb, which any worker answers for its own host) and the start saga's local first look,
 * where the workflow task ran (`locateHere`, or `claimHere`: it only reads unless the container is
 * there, and then it runs on the container's host anyway; a test that needs it looks at it apart). A pinned
 * start or verb runs every one on its host.
 */
export function hostActivities(ran: readonly RanActivity[], sharedQueue: string): RanActivity[] {
  return ran.filter(
    (a) => a.taskQueue !== sharedQueue && !(a.local && (a.type === 'locateHere' || a.type === 'claimHere')),
  );
}

export { hostTaskQueue };

/**
 * The files under `root` whose path or content holds `id` (a container's full ID), as paths relative to
 * root: what a host's state root keeps of a container. Sockets and other special files are skipped.
 */
export async function filesMentioning(root: string, id: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(dir, entry.name);
      const rel = path.relative(root, p);
      if (rel.includes(id) || rel.includes(id.slice(0, 12))) {
        found.push(rel);
        if (entry.isDirectory()) continue;
      }
      if (entry.isDirectory()) await walk(p);
      else if (entry.isFile()) {
        const content = await fs.readFile(p, 'utf8').catch(() => '');
        if (content.includes(id) && !found.includes(rel)) found.push(rel);
      }
    }
  };
  await walk(root);
  return found.sort();
}
