/** scripts/bench/history.ts: how the bench reads a start's history (timeline, compensation latency, event counts). */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import {
  compensationTimes,
  eventCounts,
  readHistory,
  releasesIn,
  timeline,
  type HistoryEvent,
} from '../../scripts/bench/history';

const T = temporal.api.enums.v1.EventType;
const T0 = 1_800_000_000_000;

/**
 * A history event as the server sends it, `ms` after T0 (plain numbers where the proto types say Long: the reader takes
 * both).
 */
function raw(
  id: number,
  type: temporal.api.enums.v1.EventType,
  ms: number,
  attrs: Record<string, unknown> = {},
): temporal.api.history.v1.IHistoryEvent {
  return {
    eventId: id,
    eventType: type,
    eventTime: ts(ms),
    ...attrs,
  } as unknown as temporal.api.history.v1.IHistoryEvent;
}

const json = (v: unknown) => ({
  payloads: [{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(v)) }],
});
const ts = (ms: number) => ({ seconds: Math.floor((T0 + ms) / 1000), nanos: ((T0 + ms) % 1000) * 1e6 });

function clientWith(events: temporal.api.history.v1.IHistoryEvent[]): Client {
  return { workflow: { getHandle: () => ({ fetchHistory: async () => ({ events }) }) } } as unknown as Client;
}

/** A start: a workflow task with one local activity, one activity, a last workflow task. */
const START = [
  raw(1, T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, 0),
  raw(2, T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, 0),
  raw(3, T.EVENT_TYPE_WORKFLOW_TASK_STARTED, 2),
  raw(4, T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, 20),
  raw(5, T.EVENT_TYPE_MARKER_RECORDED, 20, {
    markerRecordedEventAttributes: {
      markerName: 'core_patch',
      details: { 'patch-data': json({ id: 'parallel-prepare' }) },
    },
  }),
  raw(6, T.EVENT_TYPE_MARKER_RECORDED, 20, {
    markerRecordedEventAttributes: {
      markerName: 'core_local_activity',
      details: { data: json({ activity_type: 'claimStart', complete_time: ts(9) }) },
    },
  }),
  raw(7, T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, 20, {
    activityTaskScheduledEventAttributes: { activityType: { name: 'startProcess' } },
  }),
  raw(8, T.EVENT_TYPE_ACTIVITY_TASK_STARTED, 21, { activityTaskStartedEventAttributes: { scheduledEventId: 7 } }),
  raw(9, T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, 70, { activityTaskCompletedEventAttributes: { scheduledEventId: 7 } }),
  raw(10, T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, 70),
  raw(11, T.EVENT_TYPE_WORKFLOW_TASK_STARTED, 75),
  raw(12, T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, 90),
  raw(13, T.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, 90),
];

/** Activity events: scheduled, started, closed (`closed` the closing event type). */
function activity(
  id: number,
  name: string,
  from: number,
  to: number,
  closed = T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
): HistoryEvent[] {
  return [
    { id, type: 'ActivityTaskScheduled', at: T0 + from, about: name },
    { id: id + 1, type: 'ActivityTaskStarted', at: T0 + from, about: name, scheduledId: id },
    {
      id: id + 2,
      type: closed === T.EVENT_TYPE_ACTIVITY_TASK_FAILED ? 'ActivityTaskFailed' : 'ActivityTaskCompleted',
      at: T0 + to,
      about: name,
      scheduledId: id,
    },
  ];
}

describe('readHistory', () => {
  it('names each event, gives activity events their type and local activities their completion', async () => {
    const events = await readHistory(clientWith(START), 'w');
    expect(events.map((e) => e.type).slice(0, 4)).toEqual([
      'WorkflowExecutionStarted',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowTaskCompleted',
    ]);
    expect(events[4]!.about).toBe('patch:parallel-prepare');
    expect(events[5]).toMatchObject({ about: 'local:claimStart' });
    expect(events[5]!.failed).toBeUndefined();
    expect(events[7]).toMatchObject({ type: 'ActivityTaskStarted', about: 'startProcess', scheduledId: 7 });
    expect(events[8]!.at).toBe(T0 + 70);
  });
});

describe('readHistory, a local activity that failed', () => {
  it('marks its marker failed', async () => {
    const marker = raw(5, T.EVENT_TYPE_MARKER_RECORDED, 20, {
      markerRecordedEventAttributes: {
        markerName: 'core_local_activity',
        details: { data: json({ activity_type: 'startProcess' }) },
        failure: { message: 'injected' },
      },
    });
    expect((await readHistory(clientWith([marker]), 'w'))[0]).toMatchObject({
      type: 'MarkerRecorded',
      about: 'local:startProcess',
      failed: true,
    });
  });
});

describe('timeline', () => {
  it('spans workflow tasks (with their queueing), activities, the host steps the worker timed, and local activities as points', async () => {
    const steps = [
      { point: 'process', from: T0 + 25, to: T0 + 60, ok: true },
      { point: 'network', from: T0 + 3, to: T0 + 15, ok: false },
    ];
    const spans = timeline(await readHistory(clientWith(START), 'w'), steps);
    expect(spans).toEqual([
      { from: 0, to: 20, what: 'workflow task 1', queued: 2 },
      { from: 3, to: 15, what: "host step network (failed) (worker's clock)" },
      { from: 20, to: 20, what: 'local activity claimStart (marker)' },
      { from: 20, to: 70, what: 'activity startProcess', queued: 1 },
      { from: 25, to: 60, what: "host step process (worker's clock)" },
      { from: 70, to: 90, what: 'workflow task 2', queued: 5 },
    ]);
  });
});

describe('compensationTimes', () => {
  const failed: HistoryEvent[] = [
    { id: 1, type: 'WorkflowExecutionStarted', at: T0 },
    ...activity(10, 'startProcess', 0, 100, T.EVENT_TYPE_ACTIVITY_TASK_FAILED),
    ...activity(20, 'markFailed', 105, 110),
    ...activity(30, 'unregisterProcess', 115, 130),
    ...activity(40, 'unmountRootfs', 135, 160),
    ...activity(50, 'finishFailed', 165, 170),
    { id: 60, type: 'WorkflowExecutionFailed', at: T0 + 180 },
  ];

  it('measures from the process step failing to the last release completed, and to the run failing', () => {
    expect(compensationTimes(failed)).toEqual({
      releasesDone: 60,
      closed: 80,
      releases: ['unregisterProcess', 'unmountRootfs'],
    });
  });

  it('is undefined for a start that did not fail at its process step', () => {
    expect(compensationTimes(failed.filter((e) => e.about !== 'startProcess'))).toBeUndefined();
  });

  it('measures from the marker of a local process step that failed, not from one that completed', () => {
    const local: HistoryEvent[] = [
      { id: 1, type: 'WorkflowExecutionStarted', at: T0 },
      { id: 8, type: 'MarkerRecorded', at: T0 + 40, about: 'local:startProcess', failed: true },
      ...failed.slice(4),
    ];
    expect(compensationTimes(local)).toEqual({
      releasesDone: 120,
      closed: 140,
      releases: ['unregisterProcess', 'unmountRootfs'],
    });
    expect(compensationTimes(local.map((e) => (e.id === 8 ? { ...e, failed: undefined } : e)))).toBeUndefined();
  });
});

describe('releasesIn', () => {
  it('lists release activities completed and release local activities whose markers record no failure, in order', () => {
    const events: HistoryEvent[] = [
      ...activity(10, 'unregisterProcess', 0, 10),
      ...activity(20, 'startProcess', 10, 20),
      { id: 30, type: 'MarkerRecorded', at: T0 + 30, about: 'local:releaseNetwork' },
      { id: 31, type: 'MarkerRecorded', at: T0 + 30, about: 'local:unmountRootfs', failed: true },
      { id: 32, type: 'MarkerRecorded', at: T0 + 30, about: 'local:writeSpec' },
    ];
    expect(releasesIn(events)).toEqual(['unregisterProcess', 'local:releaseNetwork']);
  });
});

describe('eventCounts', () => {
  it('counts every event, and apart those of workflow tasks', async () => {
    expect(eventCounts(await readHistory(clientWith(START), 'w'))).toEqual({ total: 13, besidesWorkflowTasks: 7 });
  });
});
