import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { HOST_STEPS, hostStep } from '../../common/steps';
import type { StepCall } from './step-clock';

/**
 * A workflow's history as the bench reads it: each event's type, server time, and what it concerns (the
 * activity type of an activity event or of a local activity's marker, the id of a patch marker). Local
 * activities leave no events of their own: their marker is written when the workflow task completes, with
 * their type in plain JSON (outside the payload codec) and a failure when they failed. (The completion time
 * core writes there runs ahead of when the activity returned: the bench times host steps itself, step-clock.ts.)
 */
export interface HistoryEvent {
  id: number;
  /** e.g. ActivityTaskCompleted */
  type: string;
  /** server time, ms since the epoch (sub-ms precision) */
  at: number;
  /** activity type, `local:<type>` for a local activity's marker, `patch:<id>` for a patch marker */
  about?: string;
  /** an activity's started or closed event: its ActivityTaskScheduled event */
  scheduledId?: number;
  /** a local activity's marker that records a failure */
  failed?: boolean;
}

type Ts = { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined;

function ms(ts: Ts): number {
  const s = ts?.seconds;
  return (typeof s === 'number' ? s : (s?.toNumber() ?? 0)) * 1000 + (ts?.nanos ?? 0) / 1e6;
}

/** EVENT_TYPE_ACTIVITY_TASK_SCHEDULED → ActivityTaskScheduled */
function typeName(t: number | null | undefined): string {
  const raw = temporal.api.enums.v1.EventType[t ?? 0] ?? `EventType${t}`;
  return raw
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_, __: string, c: string) => c.toUpperCase());
}

interface MarkerData {
  activity_type?: string;
  id?: string;
}

function markerData(e: temporal.api.history.v1.IHistoryEvent): MarkerData | undefined {
  const details = e.markerRecordedEventAttributes?.details ?? {};
  const p = (details.data ?? details['patch-data'])?.payloads?.[0];
  if (!p?.data) return undefined;
  try {
    return JSON.parse(Buffer.from(p.data).toString('utf8')) as MarkerData;
  } catch {
    return undefined; // not plain JSON: the marker is listed without what it concerns
  }
}

export async function readHistory(client: Client, workflowId: string, runId?: string): Promise<HistoryEvent[]> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const activityOf = new Map<number, string>();
  return (history.events ?? []).map((e) => {
    const id = Number(e.eventId);
    const out: HistoryEvent = { id, type: typeName(e.eventType), at: ms(e.eventTime as Ts) };
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) activityOf.set(id, scheduled.activityType?.name ?? '?');
    const ref =
      e.activityTaskStartedEventAttributes ??
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes ??
      e.activityTaskCanceledEventAttributes;
    if (scheduled) out.about = activityOf.get(id);
    else if (ref) {
      out.scheduledId = Number(ref.scheduledEventId);
      out.about = activityOf.get(out.scheduledId);
    }
    if (e.markerRecordedEventAttributes) {
      const d = markerData(e);
      if (d?.activity_type) {
        out.about = `local:${d.activity_type}`;
        if (e.markerRecordedEventAttributes.failure) out.failed = true;
      } else if (d?.id) out.about = `patch:${d.id}`;
    }
    return out;
  });
}

/** One stretch of a history: a workflow task, an activity, a local activity; times relative to the start. */
export interface Span {
  from: number;
  to: number;
  what: string;
  /** waiting to be picked up (scheduled → started), for tasks the server dispatches */
  queued?: number;
}

/**
 * Where a run's time went: every workflow task (scheduled → completed, of which queued until a worker took
 * it), every activity (scheduled → closed; its last attempt's start), and every host step or release call the
 * worker timed itself (`steps`, by its clock: local activities leave no times of their own in the history, the
 * completion time in their markers runs ahead of when they returned), in order of start, relative to
 * WorkflowExecutionStarted. The local activities' markers are listed as points, at their workflow task's completion.
 */
export function timeline(events: readonly HistoryEvent[], steps: readonly StepCall[] = []): Span[] {
  const t0 = events[0]?.at ?? 0;
  const spans: Span[] = [];
  const open = new Map<string, { from: number; started?: number; what: string }>();
  let wft = 0;
  for (const e of events) {
    if (e.type === 'WorkflowTaskScheduled') open.set('wft', { from: e.at, what: `workflow task ${++wft}` });
    else if (e.type === 'WorkflowTaskStarted') open.get('wft')!.started = e.at;
    else if (/^WorkflowTask(Completed|Failed|TimedOut)$/.test(e.type)) close('wft', e);
    else if (e.type === 'ActivityTaskScheduled') open.set(`a${e.id}`, { from: e.at, what: `activity ${e.about}` });
    else if (e.type === 'ActivityTaskStarted') open.get(`a${e.scheduledId}`)!.started = e.at;
    else if (/^ActivityTask(Completed|Failed|TimedOut|Canceled)$/.test(e.type)) close(`a${e.scheduledId}`, e);
    if (e.about?.startsWith('local:'))
      spans.push({
        from: e.at - t0,
        to: e.at - t0,
        what: `local activity ${e.about.slice('local:'.length)}${e.failed ? ' (failed)' : ''} (marker)`,
      });
  }
  for (const c of steps)
    spans.push({
      from: c.from - t0,
      to: c.to - t0,
      what: `host step ${c.point}${c.ok ? '' : ' (failed)'} (worker's clock)`,
    });
  return spans.sort((a, b) => a.from - b.from);

  function close(key: string, e: HistoryEvent): void {
    const o = open.get(key)!;
    open.delete(key);
    const failed = /Completed$/.test(e.type)
      ? ''
      : ` (${e.type.replace(/^(Workflow|Activity)Task/, '').toLowerCase()})`;
    spans.push({
      from: o.from - t0,
      to: e.at - t0,
      what: o.what + failed,
      ...(o.started !== undefined ? { queued: o.started - o.from } : {}),
    });
  }
}

const RELEASE_ACTIVITIES = new Set<string>(
  HOST_STEPS.flatMap((s) => ('releaseActivity' in s ? [s.releaseActivity] : [])),
);

/**
 * A compensated start's timings from its history, in ms from the failure of the last step as the server
 * recorded it (the process step's ActivityTaskFailed; where the step is a local activity, the
 * marker of its failure, written with the workflow task that saw it): until every release activity has
 * completed, and until the run failed. Undefined when the history is not that of a start that failed at its
 * process step.
 */
export function compensationTimes(
  events: readonly HistoryEvent[],
): { releasesDone: number; closed: number; releases: string[] } | undefined {
  const process = hostStep('process').activity;
  const failed = events.find(
    (e) =>
      (e.type === 'ActivityTaskFailed' && e.about === process) || (e.failed === true && e.about === `local:${process}`),
  );
  const released = events.filter(
    (e) => e.type === 'ActivityTaskCompleted' && e.about !== undefined && RELEASE_ACTIVITIES.has(e.about),
  );
  const closed = events.find((e) => e.type === 'WorkflowExecutionFailed');
  if (!failed || !closed || released.length === 0) return undefined;
  return {
    releasesDone: released[released.length - 1]!.at - failed.at,
    closed: closed.at - failed.at,
    releases: released.map((e) => e.about!),
  };
}

/**
 * The releases a history records, in order: release activities completed, and the markers of
 * release local activities that did not fail (`local:<type>`).
 */
export function releasesIn(events: readonly HistoryEvent[]): string[] {
  const released = (e: HistoryEvent) =>
    (e.type === 'ActivityTaskCompleted' || (e.type === 'MarkerRecorded' && !e.failed)) &&
    RELEASE_ACTIVITIES.has(e.about!.replace(/^local:/, ''));
  return events.flatMap((e) => (e.about !== undefined && released(e) ? [e.about] : []));
}

/**
 * A history's length, and the part of it that does not depend on timing: a start's parallel steps complete
 * into one workflow task or into several (3 events each: scheduled, started, completed), so its total varies
 * by a few tasks from run to run; the events besides workflow tasks are the same for the same code path.
 */
export function eventCounts(events: readonly HistoryEvent[]): { total: number; besidesWorkflowTasks: number } {
  return {
    total: events.length,
    besidesWorkflowTasks: events.filter((e) => !e.type.startsWith('WorkflowTask')).length,
  };
}
