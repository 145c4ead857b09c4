import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { codecDataConverter } from '../codec/load';
import { ENCRYPTED_ENCODING } from '../codec/aes-gcm-codec';
import { workflowSources } from '../worker/create';

// Every committed history of a real run replays against today's workflow code: a change that alters
// history without a patched() guard fails here. Histories are kept per release (test/histories/<version>/):
// this release's, recorded with `npm run record-histories`, and the previous release's, which must keep
// replaying (docs/design.md, "Versioning"). Replays decode payloads with the test key
// (CONTAINER_SAGA_CODEC_KEYS, vitest.config.ts).

const DIR = path.resolve(__dirname, 'histories');

interface RawEvent {
  markerRecordedEventAttributes?: {
    markerName: string;
    details: Record<string, { payloads: Array<{ data: string }> }>;
  };
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

/** The release whose histories `npm run record-histories` writes: the package's version. */
const RELEASE = (JSON.parse(readFileSync(path.resolve(__dirname, '../package.json'), 'utf8')) as { version: string })
  .version;

/** One recorded history of this release, its events. */
async function historyOf(name: string): Promise<ShapeEvent[]> {
  return (JSON.parse(await fs.readFile(path.join(DIR, RELEASE, `${name}.json`), 'utf8')) as { events: ShapeEvent[] })
    .events;
}

const types = (events: ShapeEvent[]) => events.map((e) => e.eventType.replace('EVENT_TYPE_', ''));
const localActivities = (events: RawEvent[]) => markers(events, 'core_local_activity').map((m) => m.activity_type!);
const scheduled = (events: ShapeEvent[]) =>
  events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes] : []));
/** Steps run at once may be recorded in any order among themselves: sorts each group [from, to). */
const grouped = (xs: string[], ...groups: Array<[number, number]>) => {
  const out = [...xs];
  for (const [from, to] of groups) out.splice(from, to - from, ...xs.slice(from, to).sort());
  return out;
};

/** The start's history scenarios of a release (scripts/record-histories.ts): what the baseline must cover. */
const START_SCENARIOS = [
  'start-success',
  'start-encrypted',
  'start-transient-retries',
  'start-legacy-host-config',
  'start-on-other-host',
  'start-host-gone',
  ...[
    'mount-rootfs',
    'network',
    'ipc',
    'volumes',
    'working-dir',
    'spec',
    'process',
    'after-process',
    'mark-running',
    'auto-remove',
  ].map((s) => `start-failure-${s}`),
  ...['no-such-container', 'already-running', 'claimed', 'host-config'].map((s) => `start-refused-${s}`),
  'start-cancelled',
  'start-cancelled-before-claim',
  'start-cancelled-in-task-adopted',
  'start-signalled-in-task-adopted',
];
const OTHER_SCENARIOS = [
  'create',
  'create-pinned',
  'hosts-registry',
  'monitor-on-failure',
  'wait-exited',
  'reads-continued-as-new',
  'exec-exit-3',
  'exec-output',
  'pause',
  'unpause',
  'kill',
  'restore',
];

/** The host steps' releases of a failed start, after the state write and the process's: all at once. */
const RELEASES_AT_ONCE = ['releaseIpc', 'releaseNetwork', 'removeSpec', 'unmountRootfs'];

describe('replay of recorded histories', () => {
  let files: string[] = [];
  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    files = (await fs.readdir(DIR, { recursive: true })).filter((f) => f.endsWith('.json')).sort();
  });

  it(`this release (${RELEASE}) has every scenario: success, each refusal, failure at every host step, cancellations, retries, hosts, monitor, verbs, reads`, () => {
    for (const name of [...START_SCENARIOS, ...OTHER_SCENARIOS]) expect(files).toContain(`${RELEASE}/${name}.json`);
  });

  it('the histories of at most two releases are kept: this one and the one before', async () => {
    const releases = (await fs.readdir(DIR, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(releases).toContain(RELEASE);
    expect(releases.length).toBeLessThanOrEqual(2);
  });

  it("on the owner's worker a successful start is one workflow task of local activities: the first look checks and claims, the prepare steps at once", async () => {
    const success = await historyOf('start-success');
    expect(types(success).filter((t) => t === 'WORKFLOW_TASK_STARTED')).toHaveLength(1);
    expect(scheduled(success)).toEqual([]);
    expect(grouped(localActivities(success), [1, 4])).toEqual([
      'claimHere',
      'connectNetwork',
      'mountRootfs',
      'setupIpc',
      'writeSpec',
      'startProcess',
      'markRunning',
    ]);
    // mark-running releases the claim: no releaseStart
    expect(JSON.stringify(success)).not.toContain('releaseStart');
  });

  it("a failed start compensates in the same workflow task: the state write beside the process's release, then every other release at once, die, the claim", async () => {
    const failed = await historyOf('start-failure-after-process');
    expect(types(failed).filter((t) => t === 'WORKFLOW_TASK_STARTED')).toHaveLength(1);
    const at = failed.findIndex((e) => e.markerRecordedEventAttributes?.failure !== undefined);
    expect(localActivities([failed[at]!])).toEqual(['startProcess']);
    // (markers are in the order the local activities ended: the state write may end after later releases)
    const undo = localActivities(failed.slice(at + 1));
    expect(undo.slice(0, 6).sort()).toEqual(['markFailed', 'unregisterProcess', ...RELEASES_AT_ONCE].sort());
    for (const r of RELEASES_AT_ONCE) expect(undo.indexOf('unregisterProcess'), r).toBeLessThan(undo.indexOf(r));
    expect(undo.slice(6)).toEqual(['finishFailed', 'releaseStart']);
    // AutoRemove: the container is removed after its cleanup, before the claim's release
    const removed = localActivities(await historyOf('start-failure-auto-remove'));
    expect(removed.slice(-3)).toEqual(['finishFailed', 'autoRemove', 'releaseStart']);
  });

  it("a refused start changes nothing: no host step, no compensation; the error is the check's", async () => {
    for (const [name, type] of [
      ['start-refused-no-such-container', 'NoSuchContainer'],
      ['start-refused-already-running', 'AlreadyStarted'],
      ['start-refused-claimed', 'StartInProgress'],
      ['start-refused-host-config', 'InvalidSecurityOpt'],
    ] as const) {
      const events = await historyOf(name);
      const ran = [...localActivities(events), ...scheduled(events).map((a) => a.activityType.name)];
      for (const step of ['mountRootfs', 'connectNetwork', 'startProcess', 'markFailed', 'finishFailed'])
        expect(ran, name).not.toContain(step);
      expect(JSON.stringify(events.at(-1)), name).toContain(`"type":"${type}"`);
    }
  });

  it("a legacy hostConfig keeps the checks apart; another host's worker sends every step to the owner's queue", async () => {
    const legacy = await historyOf('start-legacy-host-config');
    expect(localActivities(legacy).slice(0, 4)).toEqual(['locateHere', 'hostInfo', 'setHostConfig', 'verifySettings']);
    const other = await historyOf('start-on-other-host');
    expect(localActivities(other)[0]).toBe('claimHere');
    for (const step of ['verifySettings', 'claimStart', 'mountRootfs', 'connectNetwork', 'setupIpc', 'startProcess']) {
      expect(scheduled(other).find((a) => a.activityType.name === step)?.taskQueue.name, step).toMatch(/@b$/);
    }
  });

  it('a task that failed after its local steps is retried and adopts the start; a cancelled start that holds the claim releases every step', async () => {
    for (const name of ['start-cancelled-in-task-adopted', 'start-signalled-in-task-adopted']) {
      const events = await historyOf(name);
      // the held task's completion was refused (the request or signal came in during it), then one task adopted
      expect(types(events).slice(0, 5), name).toEqual([
        'WORKFLOW_EXECUTION_STARTED',
        'WORKFLOW_TASK_SCHEDULED',
        'WORKFLOW_TASK_STARTED',
        'WORKFLOW_TASK_FAILED',
        name.includes('cancelled') ? 'WORKFLOW_EXECUTION_CANCEL_REQUESTED' : 'WORKFLOW_EXECUTION_SIGNALED',
      ]);
      // no host step ran again: the record said this run had started the container
      expect(localActivities(events), name).not.toContain('startProcess');
      expect(types(events).at(-1), name).toBe('WORKFLOW_EXECUTION_COMPLETED');
    }
    const cancelled = await historyOf('start-cancelled');
    const cancelledAt = cancelled.findIndex((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED');
    const undo = localActivities(cancelled.slice(cancelledAt));
    // the step in flight ends, the claim is read again, then every release (the spec's and process's too), die, the
    // claim
    expect(undo.slice(0, 2)).toEqual(['mountVolumes', 'lookupContainer']);
    // (markers are in the order the local activities ended: the state write may end after later releases)
    const releases = [...RELEASES_AT_ONCE, 'unmountVolumes'];
    expect(undo.slice(2, 9).sort()).toEqual(['markFailed', 'unregisterProcess', ...releases].sort());
    for (const r of releases) expect(undo.indexOf('unregisterProcess'), r).toBeLessThan(undo.indexOf(r));
    expect(undo.slice(9)).toEqual(['finishFailed', 'releaseStart']);
    expect(types(cancelled).at(-1)).toBe('WORKFLOW_EXECUTION_CANCELED');
    // cancelled before its first task: the settling look finds no claim of this run's, so nothing is released
    const early = await historyOf('start-cancelled-before-claim');
    expect(localActivities(early)).toEqual(['locateHere']);
    expect(types(early).at(-1)).toBe('WORKFLOW_EXECUTION_CANCELED');
  });

  it('reads: an inspect of a container the first look finds (exact name) is one activity, locateHere, which brings its view', async () => {
    const events = await historyOf('reads-continued-as-new');
    const updates: Array<{ name: string; activities: string[] }> = [];
    for (const e of events as Array<
      ShapeEvent & { workflowExecutionUpdateAcceptedEventAttributes?: { acceptedRequest: { input: { name: string } } } }
    >) {
      const accepted = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest.input.name;
      if (accepted) updates.push({ name: accepted, activities: [] });
      const name = e.activityTaskScheduledEventAttributes?.activityType.name;
      if (name) updates.at(-1)!.activities.push(name);
    }
    expect(updates.slice(0, 2)).toEqual([
      // not found by the first look: every live host looks (recorded with two hosts)
      { name: 'inspect', activities: ['locateHere', 'liveHosts', 'locateHere'] },
      { name: 'inspect', activities: ['locateHere'] },
    ]);
  });

  it('the encrypted history shows no payload in plaintext, and does not replay without the key', async () => {
    const text = await fs.readFile(path.join(DIR, RELEASE, 'start-encrypted.json'), 'utf8');
    const secret = 'recorded-secret-4f1c'; // scripts/record-histories.ts's start-encrypted env value
    expect(text).not.toContain(secret);
    expect(text).not.toContain(Buffer.from(secret).toString('base64'));
    expect(text).toContain(Buffer.from(ENCRYPTED_ENCODING).toString('base64'));
    const history = historyFromJSON(JSON.parse(text));
    const results = [];
    for await (const r of Worker.runReplayHistories(workflowSources(), [{ workflowId: 'no-key', history }]))
      results.push(r);
    expect(String(results[0]?.error)).toMatch(/binary\/encrypted/);
  });

  it('replays every history without nondeterminism', async () => {
    const histories = await Promise.all(
      files.map(async (f) => ({
        workflowId: f,
        history: historyFromJSON(JSON.parse(await fs.readFile(path.join(DIR, f), 'utf8'))),
      })),
    );
    const results: Array<{ workflowId: string; error?: unknown }> = [];
    for await (const r of Worker.runReplayHistories(
      { ...workflowSources(), dataConverter: codecDataConverter() },
      histories,
    ))
      results.push(r);
    expect(results.map((r) => r.workflowId)).toEqual(files);
    for (const r of results) expect(r.error, `${r.workflowId}: ${String(r.error)}`).toBeUndefined();
  });
});
