import { promises as fs } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { codecDataConverter } from '../codec/load';
import { ENCRYPTED_ENCODING } from '../codec/aes-gcm-codec';
import { WORKFLOWS_PATH } from '../worker/create';

// Every committed history of a real run replays against today's workflow code: a change that alters
// history without a patched() guard fails here. Re-record with `npm run record-histories`.
// Replays decode payloads with the test key (CONTAINER_SAGA_CODEC_KEYS, vitest.config.ts): histories recorded
// since payload encryption are ciphertext, older ones plaintext, which the codec passes through.

const DIR = path.resolve(__dirname, 'histories');

interface RawEvent {
  markerRecordedEventAttributes?: { markerName: string; details: Record<string, { payloads: Array<{ data: string }> }> };
}

/** The plain JSON core writes in a kind of marker (a patch's ID, a local activity's type), in history order. */
function markers(events: RawEvent[], name: string): Array<{ id?: string; activity_type?: string }> {
  return events.flatMap((e) => {
    const m = e.markerRecordedEventAttributes;
    if (m?.markerName !== name) return [];
    const data = (m.details['patch-data'] ?? m.details.data)!.payloads[0]!.data;
    return [JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { id?: string; activity_type?: string }];
  });
}

/** A history event with what the shape tests read of it. */
type ShapeEvent = RawEvent & {
  eventType: string;
  markerRecordedEventAttributes?: RawEvent['markerRecordedEventAttributes'] & { failure?: unknown };
  activityTaskScheduledEventAttributes?: { activityType: { name: string }; taskQueue: { name: string } };
};

/** One recorded history of a version's folder, its events. */
async function historyOf(version: string, name: string): Promise<ShapeEvent[]> {
  return (JSON.parse(await fs.readFile(path.join(DIR, version, `${name}.json`), 'utf8')) as { events: ShapeEvent[] }).events;
}

/**
 * A version's start histories each record one patch marker, `patch`; its successful start is one workflow task
 * with no activity. Returns the successful start's local activity types, in history order.
 */
async function startsOfVersion(files: readonly string[], version: string, patch: string): Promise<string[]> {
  const starts = files.filter((f) => f.startsWith(`${version}/start-`));
  expect(starts.length).toBeGreaterThanOrEqual(10);
  for (const f of starts) {
    const raw = JSON.parse(await fs.readFile(path.join(DIR, f), 'utf8')) as { events: RawEvent[] };
    expect(markers(raw.events, 'core_patch').map((m) => m.id), f).toEqual([patch]);
  }
  const success = await historyOf(version, 'start-success');
  expect(success.filter((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_TASK_STARTED')).toHaveLength(1);
  expect(success.filter((e) => e.activityTaskScheduledEventAttributes)).toEqual([]);
  return markers(success, 'core_local_activity').map((m) => m.activity_type!);
}

describe('replay of recorded histories', () => {
  let files: string[] = [];
  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    // One folder per workflow version: every version's histories must keep replaying.
    files = (await fs.readdir(DIR, { recursive: true })).filter((f) => f.endsWith('.json')).sort();
  });

  it('has, for every workflow version, a success, a compensated failure, a cancellation and transient retries', () => {
    for (const version of ['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9', 'v11', 'v12']) {
      for (const name of ['start-success', 'start-failure-compensated', 'start-cancelled', 'start-transient-retries']) {
        expect(files).toContain(`${version}/${name}.json`);
      }
    }
    // a start with a legacy hostConfig: v4 parsed its security options in the workflow, v5 does not
    // (host-config-checked-once); the v4 one was recorded by the v4 code (be19060)
    expect(files).toContain('v4/start-legacy-host-config.json');
    expect(files).toContain('v5/start-legacy-host-config.json');
    // the container monitor (two restarts: durable timers, child start sagas) and docker wait
    expect(files).toContain('v5/monitor-on-failure.json');
    expect(files).toContain('v5/wait-exited.json');
    // the verbs around a running container, and the worker's start-up restore
    for (const name of ['exec-exit-3', 'exec-output', 'pause', 'unpause', 'kill', 'restore']) expect(files).toContain(`v5/${name}.json`);
    // the reads workflow: a read of every kind (one failed) as Updates, ending in its continue-as-new
    expect(files).toContain('v6/reads-continued-as-new.json');
    // v6: a start failed at the network step (FailedStep, ErrorType), the monitor's ContainerState and
    // RestartCount through two restarts, and a create's ContainerId
    for (const name of ['start-failure-network', 'start-legacy-host-config', 'monitor-on-failure', 'create']) expect(files).toContain(`v6/${name}.json`);
    // a start whose payloads are encrypted with the test key (the container's env holds a secret)
    expect(files).toContain('v5/start-encrypted.json');
    // v7, many hosts (`many-hosts`, `host-gone`): every run located on a host, creates placed among two hosts;
    // a create pinned to host b and its start from host a's workflow task (every step on b's queue), reads
    // across hosts (ps, image ls, host ls), the host registry, and a start whose host's worker went away
    for (const name of ['create', 'create-pinned', 'start-on-other-host', 'start-host-gone', 'hosts-registry', 'reads-continued-as-new', 'monitor-on-failure', 'restore']) {
      expect(files).toContain(`v7/${name}.json`);
    }
    // v8 (`releases-at-once`): failed starts, one of them after its process ran, and a start whose host went away
    for (const name of ['start-failure-after-process', 'start-failure-network', 'start-host-gone']) expect(files).toContain(`v8/${name}.json`);
    // v9 (`start-v9`): every start scenario, each asking patched() once, on the host that looked it up or not
    for (const name of ['start-encrypted', 'start-legacy-host-config', 'start-failure-after-process', 'start-failure-network', 'start-on-other-host', 'start-host-gone']) {
      expect(files).toContain(`v9/${name}.json`);
    }
  });

  it('v9 starts record one patch marker (start-v9), and a successful one releases its claim in mark-running', async () => {
    const starts = files.filter((f) => f.startsWith('v9/start-'));
    expect(starts.length).toBeGreaterThanOrEqual(10);
    for (const f of starts) {
      const raw = JSON.parse(await fs.readFile(path.join(DIR, f), 'utf8')) as { events: RawEvent[] };
      expect(markers(raw.events, 'core_patch').map((m) => m.id), f).toEqual(['start-v9']);
    }
    const success = JSON.parse(await fs.readFile(path.join(DIR, 'v9/start-success.json'), 'utf8')) as { events: RawEvent[] };
    expect(markers(success.events, 'core_local_activity').map((m) => m.activity_type).slice(-1)).toEqual(['markRunning']);
    expect(JSON.stringify(success.events)).not.toContain('releaseStart');
  });

  it('v11 starts record one patch marker (host-steps-local); on the owner\'s worker a start, compensated or not, is one workflow task of local activities; elsewhere its steps go to the owner\'s queue', async () => {
    const read = (name: string) => historyOf('v11', name);
    const local = await startsOfVersion(files, 'v11', 'host-steps-local');
    expect([...local.slice(0, 3), ...local.slice(3, 6).sort(), ...local.slice(6)]).toEqual([
      'locateHere', 'verifySettings', 'claimStart', 'connectNetwork', 'mountRootfs', 'setupIpc', 'writeSpec', 'startProcess', 'markRunning',
    ]);
    // the process step failed as a local activity, and the failure path ran in the same workflow task: the state
    // write and the process's release, then the other releases, then die and the claim, each a local activity
    const failed = await read('start-failure-after-process');
    expect(failed.filter((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_TASK_STARTED')).toHaveLength(1);
    expect(failed.filter((e) => e.activityTaskScheduledEventAttributes)).toEqual([]);
    const failedMarker = failed.find((e) => e.markerRecordedEventAttributes?.failure !== undefined);
    expect(markers([failedMarker!], 'core_local_activity').map((m) => m.activity_type)).toEqual(['startProcess']);
    const after = markers(failed.slice(failed.indexOf(failedMarker!) + 1), 'core_local_activity').map((m) => m.activity_type!);
    expect([...after.slice(0, 2).sort(), ...after.slice(2, 6).sort(), ...after.slice(6)]).toEqual([
      'markFailed', 'unregisterProcess', 'releaseIpc', 'releaseNetwork', 'removeSpec', 'unmountRootfs', 'finishFailed', 'releaseStart',
    ]);
    // another host's worker ran the workflow task: every host step an activity of the owner's (b's) queue
    const other = (await read('start-on-other-host')).flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes] : []));
    for (const step of ['mountRootfs', 'connectNetwork', 'setupIpc', 'startProcess']) {
      expect(other.find((a) => a.activityType.name === step)?.taskQueue.name, step).toMatch(/@b$/);
    }
  });

  it('v12 starts record one patch marker (claim-in-one-look); on the owner\'s worker the lookup, checks and claim are one local activity; a legacy hostConfig and another host\'s worker keep them apart', async () => {
    const read = (name: string) => historyOf('v12', name);
    const local = await startsOfVersion(files, 'v12', 'claim-in-one-look');
    expect([...local.slice(0, 1), ...local.slice(1, 4).sort(), ...local.slice(4)]).toEqual([
      'claimHere', 'connectNetwork', 'mountRootfs', 'setupIpc', 'writeSpec', 'startProcess', 'markRunning',
    ]);
    // a legacy hostConfig at start (recorded on host b, from a's workflow task): its steps between the check and
    // the claim keep every step apart, the first look a plain locateHere
    const legacy = await read('start-legacy-host-config');
    expect(markers(legacy, 'core_local_activity').map((m) => m.activity_type)).toEqual(['locateHere']);
    const legacySteps = legacy.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType.name] : []));
    expect(legacySteps.filter((t) => ['hostInfo', 'setHostConfig', 'verifySettings', 'claimStart'].includes(t))).toEqual(['hostInfo', 'setHostConfig', 'verifySettings', 'claimStart']);
    // another host's worker ran the workflow task: its first look found nothing there, then the owner (b)
    // checked and claimed it on its queue, and ran every host step there
    const other = await read('start-on-other-host');
    expect(markers(other, 'core_local_activity').map((m) => m.activity_type)[0]).toBe('claimHere');
    const onB = other.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes] : []));
    for (const step of ['verifySettings', 'claimStart', 'mountRootfs', 'connectNetwork', 'setupIpc', 'startProcess']) {
      expect(onB.find((a) => a.activityType.name === step)?.taskQueue.name, step).toMatch(/@b$/);
    }
  });

  it('settle-lost-local-results: a task that failed after its local steps is retried and adopts the start; a cancelled start that holds the claim releases every step', async () => {
    const folder = 'settle-lost-local-results';
    const read = (name: string) => historyOf(folder, name);
    const types = (events: ShapeEvent[]) => events.map((e) => e.eventType.replace('EVENT_TYPE_', ''));
    for (const name of ['start-cancelled-in-task-adopted', 'start-signalled-in-task-adopted']) {
      const events = await read(name);
      // the held task's completion was refused (the request or signal came in during it), then one task adopted
      expect(types(events).slice(0, 5), name).toEqual([
        'WORKFLOW_EXECUTION_STARTED', 'WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_STARTED', 'WORKFLOW_TASK_FAILED',
        name.includes('cancelled') ? 'WORKFLOW_EXECUTION_CANCEL_REQUESTED' : 'WORKFLOW_EXECUTION_SIGNALED',
      ]);
      expect(markers(events, 'core_patch').map((m) => m.id), name).toEqual(['claim-in-one-look', 'settle-lost-local-results']);
      // no host step ran again: the record said this run had started the container
      expect(markers(events, 'core_local_activity').map((m) => m.activity_type), name).not.toContain('startProcess');
      expect(types(events).at(-1), name).toBe('WORKFLOW_EXECUTION_COMPLETED');
    }
    const cancelled = await read('start-cancelled');
    const cancelledAt = cancelled.findIndex((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED');
    const undo = markers(cancelled.slice(cancelledAt), 'core_local_activity').map((m) => m.activity_type!);
    // the step in flight ends, the claim is read again, then every release (the spec's and process's too), die, the claim
    expect(undo.slice(0, 2)).toEqual(['mountVolumes', 'lookupContainer']);
    expect([...undo.slice(2, 4).sort(), ...undo.slice(4, 9).sort(), ...undo.slice(9)]).toEqual([
      'markFailed', 'unregisterProcess', 'releaseIpc', 'releaseNetwork', 'removeSpec', 'unmountRootfs', 'unmountVolumes', 'finishFailed', 'releaseStart',
    ]);
    expect(types(cancelled).at(-1)).toBe('WORKFLOW_EXECUTION_CANCELED');
    // cancelled before its first task: the settling look finds no claim of this run's, so nothing is released
    const early = await read('start-cancelled-before-claim');
    expect(markers(early, 'core_local_activity').map((m) => m.activity_type)).toEqual(['locateHere']);
    expect(types(early).at(-1)).toBe('WORKFLOW_EXECUTION_CANCELED');
  });

  it('v10 reads: an inspect of a container the first look finds (exact name) is one activity, locateHere, which brings its view', async () => {
    expect(files).toContain('v10/reads-continued-as-new.json');
    const raw = JSON.parse(await fs.readFile(path.join(DIR, 'v10/reads-continued-as-new.json'), 'utf8')) as {
      events: Array<RawEvent & { activityTaskScheduledEventAttributes?: { activityType: { name: string } }; workflowExecutionUpdateAcceptedEventAttributes?: { acceptedRequest: { input: { name: string } } } }>;
    };
    expect(markers(raw.events, 'core_patch').map((m) => m.id)).toEqual(['many-hosts', 'inspect-one-look']);
    // the activities each Update ran, in order (scripts/record-histories.ts: inspect nosuch, inspect reads, ps, events)
    const updates: Array<{ name: string; activities: string[] }> = [];
    for (const e of raw.events) {
      const accepted = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest.input.name;
      if (accepted) updates.push({ name: accepted, activities: [] });
      const scheduled = e.activityTaskScheduledEventAttributes?.activityType.name;
      if (scheduled) updates.at(-1)!.activities.push(scheduled);
    }
    expect(updates.slice(0, 2)).toEqual([
      // not found by the first look: every live host looks, as before (recorded with two hosts)
      { name: 'inspect', activities: ['locateHere', 'liveHosts', 'locateHere'] },
      { name: 'inspect', activities: ['locateHere'] },
    ]);
  });

  it('v8 compensates in two rounds: the state write beside the process\'s release, then every other release in one workflow task', async () => {
    const raw = JSON.parse(await fs.readFile(path.join(DIR, 'v8/start-failure-after-process.json'), 'utf8')) as {
      events: Array<{ eventId: string; eventType: string; activityTaskScheduledEventAttributes?: { activityType: { name: string } } }>;
    };
    // the activities each workflow task scheduled, in order
    const batches: string[][] = [];
    for (const e of raw.events) {
      if (e.eventType === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED') batches.push([]);
      const scheduled = e.activityTaskScheduledEventAttributes?.activityType.name;
      if (scheduled) batches.at(-1)!.push(scheduled);
    }
    const undo = batches.filter((b) => b.length > 0).slice(-4);
    expect(undo.map((b) => [...b].sort())).toEqual([
      ['markFailed', 'unregisterProcess'],
      ['releaseIpc', 'releaseNetwork', 'removeSpec', 'unmountRootfs'],
      ['finishFailed'],
      ['releaseStart'],
    ]);
  });

  it('the encrypted history shows no payload in plaintext, and does not replay without the key', async () => {
    const text = await fs.readFile(path.join(DIR, 'v5/start-encrypted.json'), 'utf8');
    const secret = 'recorded-secret-4f1c'; // scripts/record-histories.ts's start-encrypted env value
    expect(text).not.toContain(secret);
    expect(text).not.toContain(Buffer.from(secret).toString('base64'));
    expect(text).toContain(Buffer.from(ENCRYPTED_ENCODING).toString('base64'));
    const history = historyFromJSON(JSON.parse(text));
    const results = [];
    for await (const r of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH }, [{ workflowId: 'no-key', history }])) results.push(r);
    expect(String(results[0]?.error)).toMatch(/binary\/encrypted/);
  });

  it('replays every history without nondeterminism', async () => {
    const histories = await Promise.all(
      files.map(async (f) => ({ workflowId: f, history: historyFromJSON(JSON.parse(await fs.readFile(path.join(DIR, f), 'utf8'))) })),
    );
    const results: Array<{ workflowId: string; error?: unknown }> = [];
    for await (const r of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH, dataConverter: codecDataConverter() }, histories)) results.push(r);
    expect(results.map((r) => r.workflowId)).toEqual(files);
    for (const r of results) expect(r.error, `${r.workflowId}: ${String(r.error)}`).toBeUndefined();
  });
});
