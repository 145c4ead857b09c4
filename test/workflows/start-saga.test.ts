import { randomUUID } from 'node:crypto';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { describe, expect, it } from 'vitest';
import { RELEASE_ORDER } from '../../common/steps';
import type { ContainerStartInput, ContainerStartResult } from '../../common/start-api';
import { hostTaskQueue } from '../../common/hosts-api';
import { timeSkippingSuite } from './time-skipping';
import { CLAIM_RELEASED_BY_MARK_RUNNING, STUB_HOST, stubActivities, type StubPlan } from './stub-activities';

// The saga with stub activities on the time-skipping test server: order of steps and compensations,
// retries, cancellation, and every Docker error with its type, message and status.

const suite = timeSkippingSuite();

/** The other host of the host-gone test: its worker runs the workflow tasks, the container is the stub host's. */
const OTHER_HOST = 'other';

/**
 * hostGone: the workflow task runs on another host's worker (OTHER_HOST), which does not find the container and
 * asks the stub host's queue; the stub host's worker answers the lookup and the claim, then leaves (its worker
 * shuts down once the claim is made), so the host steps routed to it are never picked up.
 */
function hostGoneActs(
  stub: ReturnType<typeof stubActivities>,
  hostWorker: () => Worker,
): { shared: Activities; host: Activities } {
  const views = [OTHER_HOST, STUB_HOST].map((name) => ({
    name,
    driver: 'simulated' as const,
    availability: 'active' as const,
    registeredAt: '2026-01-01T00:00:00Z',
    live: true,
  }));
  return {
    // the other host's first look (with its checks and claim) does not find the container there
    shared: {
      ...stub.acts,
      locateHere: async () => ({ host: OTHER_HOST }),
      claimHere: async () => ({ located: { host: OTHER_HOST } }),
      liveHosts: async () => views,
    },
    host: {
      ...stub.acts,
      claimStart: async (i) => {
        const claimed = await stub.acts.claimStart(i);
        hostWorker().shutdown();
        return claimed;
      },
    },
  };
}

async function runSaga(
  plan: StubPlan,
  input: ContainerStartInput = { container: 'web' },
  during?: (h: { cancel(): Promise<unknown> }) => Promise<void>,
  opts: { hostGone?: boolean } = {},
) {
  const stub = stubActivities(plan);
  const taskQueue = `saga-${randomUUID()}`;
  const ref: { hostWorker?: Worker } = {};
  const acts = opts.hostGone ? hostGoneActs(stub, () => ref.hostWorker!) : { shared: stub.acts, host: stub.acts };
  const worker = await Worker.create({
    connection: suite.env.nativeConnection,
    taskQueue,
    workflowBundle: suite.bundle,
    activities: acts.shared,
  });
  // the host's queue: where the saga sends its host steps and compensations (common/hosts-api.ts) when the
  // workflow task's worker is not the container's host
  const hostWorker = await Worker.create({
    connection: suite.env.nativeConnection,
    taskQueue: hostTaskQueue(taskQueue, STUB_HOST),
    activities: acts.host,
  });
  ref.hostWorker = hostWorker;
  // run apart, not by runUntil: a gone host's worker stops while the saga runs
  const hostRun = hostWorker.run();
  try {
    const outcome = await worker.runUntil(async () => {
      const handle = await suite.env.client.workflow.start('containerStart', {
        taskQueue,
        workflowId: `wf-${randomUUID()}`,
        args: [input],
      });
      if (during) await during(handle);
      try {
        return { result: (await handle.result()) as ContainerStartResult, workflowId: handle.workflowId };
      } catch (error) {
        return { error, workflowId: handle.workflowId };
      }
    });
    return { ...stub, ...outcome };
  } finally {
    if (hostWorker.getState() === 'RUNNING') hostWorker.shutdown();
    await hostRun;
  }
}

function failureOf(error: unknown): ApplicationFailure {
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

const PREPARE = ['lookupContainer', 'verifySettings', 'claimStart'];
/** Steps 5, 7, 12 and 13 run at once: their calls may come in any order among themselves. */
const AT_ONCE = ['mountRootfs', 'connectNetwork', 'setupIpc', 'mountVolumes'];
const UNDO_AT_ONCE = ['unmountVolumes', 'releaseIpc', 'releaseNetwork', 'unmountRootfs'];
/** Every release's activity, the process's first. */
const RELEASE_ORDER_CALLS = ['unregisterProcess', 'removeSpec', ...UNDO_AT_ONCE];

/**
 * The failure path in the calls from `from` on: the state write (markFailed) beside
 * the process's release when there is one, then every other release at once, then `die` and the claim.
 */
function expectUndo(calls: string[], from: number, releases: string[]): void {
  const undo = calls.slice(from);
  expect(undo.filter((c) => c === 'markFailed')).toHaveLength(1);
  expect(undo.indexOf('markFailed')).toBeLessThan(undo.indexOf('finishFailed'));
  const first = releases.filter((r) => r === 'unregisterProcess');
  const rest = releases.filter((r) => r !== 'unregisterProcess');
  expectCalls(
    undo.filter((c) => c !== 'markFailed'),
    [...first, ...(rest.length > 0 ? [rest] : []), 'finishFailed', 'releaseStart'],
  );
}

/** calls against an expected order in which an array is a group whose members may come in any order. */
function expectCalls(calls: string[], expected: Array<string | string[]>): void {
  const actual: Array<string | string[]> = [];
  let i = 0;
  for (const e of expected) {
    if (Array.isArray(e)) {
      actual.push([...calls.slice(i, i + e.length)].sort());
      i += e.length;
    } else actual.push(calls[i++]!);
  }
  actual.push(...calls.slice(i));
  expect(actual).toEqual(expected.map((e) => (Array.isArray(e) ? [...e].sort() : e)));
}

describe('containerStart saga', () => {
  it('runs every step in Docker order, the independent ones at once, and reports the result', async () => {
    const { calls, result, error } = await runSaga({});
    expect(error).toBeUndefined();
    expectCalls(calls, [
      ...PREPARE,
      AT_ONCE,
      'writeSpec',
      'startProcess',
      'markRunning',
      CLAIM_RELEASED_BY_MARK_RUNNING,
    ]);
    expect(result).toMatchObject({
      status: 'running',
      name: 'web',
      pid: 4242,
      ipAddress: '10.88.0.2',
      compensations: [],
      leftovers: [],
    });
    expect(result!.steps).toEqual([
      'lookup',
      'check-state',
      'verify-settings',
      'claim',
      'default-net-mode',
      'mount-rootfs',
      'network',
      'ipc',
      'volumes',
      'links',
      'working-dir',
      'daemon-env',
      'spec',
      'process',
      'mark-running',
    ]);
  });

  it('a start records no patch marker (the baseline), one upsert of its ID and name, and mark-running releases the claim', async () => {
    const { calls, workflowId } = await runSaga({});
    const { events } = await suite.env.client.workflow.getHandle(workflowId).fetchHistory();
    expect((events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')).toEqual([]);
    expect((events ?? []).filter((e) => e.upsertWorkflowSearchAttributesEventAttributes)).toHaveLength(1);
    expect(calls.filter((c) => c === 'releaseStart')).toEqual([]);
    expect(calls.slice(-2)).toEqual(['markRunning', CLAIM_RELEASED_BY_MARK_RUNNING]);
  });

  it('runs links and working-dir only when the container has them, and skips IPC for ipc host', async () => {
    const { calls, error } = await runSaga({ snapshot: { links: ['db:db'], workingDir: '/app', ipcMode: 'host' } });
    expect(error).toBeUndefined();
    expectCalls(calls, [
      ...PREPARE,
      ['mountRootfs', 'connectNetwork', 'mountVolumes'],
      'linkedContainers',
      'setupWorkingDir',
      'writeSpec',
      'startProcess',
      'markRunning',
      CLAIM_RELEASED_BY_MARK_RUNNING,
    ]);
  });

  it('no volumes activity or compensation for a container with nothing to mount', async () => {
    const { calls, result } = await runSaga({ snapshot: { hasMounts: false } });
    expect(result?.steps).toContain('volumes');
    expectCalls(calls, [
      ...PREPARE,
      ['mountRootfs', 'connectNetwork', 'setupIpc'],
      'writeSpec',
      'startProcess',
      'markRunning',
      CLAIM_RELEASED_BY_MARK_RUNNING,
    ]);
    const failed = await runSaga({ snapshot: { hasMounts: false }, fail: { startProcess: {} } });
    expect(failed.calls).not.toContain('unmountVolumes');
    expect(failed.calls).toContain('unregisterProcess');
  });

  // A permanent failure at each side-effecting step: every compensation pushed so far (its own included,
  // pushed before it ran) runs in reverse, later steps never run, the error is recorded and `die` emitted.
  // A failure among the steps run at once compensates all of them.
  const cases: Array<[string, string[], string[]]> = [
    ['mountRootfs', [], UNDO_AT_ONCE],
    ['connectNetwork', [], UNDO_AT_ONCE],
    ['setupIpc', [], UNDO_AT_ONCE],
    ['mountVolumes', [], UNDO_AT_ONCE],
    ['setupWorkingDir', [], UNDO_AT_ONCE],
    ['writeSpec', ['setupWorkingDir'], ['removeSpec', ...UNDO_AT_ONCE]],
    ['startProcess', ['setupWorkingDir', 'writeSpec'], ['unregisterProcess', 'removeSpec', ...UNDO_AT_ONCE]],
    [
      'markRunning',
      ['setupWorkingDir', 'writeSpec', 'startProcess'],
      ['unregisterProcess', 'removeSpec', ...UNDO_AT_ONCE],
    ],
  ];
  it("compensates a fully started container in the table's release order, the one stop, rm and gc use", async () => {
    const { error } = await runSaga({ fail: { markRunning: {} } });
    expect((failureOf(error).details?.[0] as ContainerStartResult).compensations).toEqual(RELEASE_ORDER);
  });

  it.each(cases)('a permanent failure at %s compensates in reverse', async (failing, between, compensations) => {
    const { calls, error, markFailedArgs } = await runSaga({
      fail: { [failing]: {} },
      snapshot: { workingDir: '/app' },
    });
    const failure = failureOf(error);
    expect(failure.type).toBe('InjectedFault');
    expect(failure.message).toBe(`injected failure at ${failing}`);
    const rest = AT_ONCE.includes(failing) ? [] : [failing];
    const forward = [...PREPARE, AT_ONCE, ...between, ...rest];
    expectCalls(calls.slice(0, PREPARE.length + AT_ONCE.length + between.length + rest.length), forward);
    expectUndo(calls, PREPARE.length + AT_ONCE.length + between.length + rest.length, compensations);
    expect(markFailedArgs).toEqual([{ error: `injected failure at ${failing}`, exitCode: 128 }]);
    const record = failure.details?.[0] as ContainerStartResult;
    expect(record.status).toBe('failed');
    expect(record.error).toEqual({ type: 'InjectedFault', message: `injected failure at ${failing}`, status: 500 });
    expect(record.leftovers).toEqual([]);
    expect(record.compensations).toHaveLength(compensations.length);
    // released resources are not reported as the container's
    if (compensations.includes('releaseNetwork')) expect(record.ipAddress).toBeUndefined();
    if (compensations.includes('unregisterProcess')) expect(record.pid).toBeUndefined();
  });

  it('a step that fails while the others run at once are in flight: nothing is compensated before they end', async () => {
    const { calls, error, endedAt } = await runSaga({
      fail: { mountRootfs: {} },
      slow: { connectNetwork: 500, mountVolumes: 300 },
    });
    expect(failureOf(error).type).toBe('InjectedFault');
    const undoFrom = PREPARE.length + AT_ONCE.length;
    expect(calls.slice(0, undoFrom).sort()).toEqual([...PREPARE, ...AT_ONCE].sort());
    expect(endedAt.get('connectNetwork')).toBeLessThanOrEqual(undoFrom);
    expect(endedAt.get('mountVolumes')).toBeLessThanOrEqual(undoFrom);
    expectUndo(calls, undoFrom, UNDO_AT_ONCE);
    const record = failureOf(error).details?.[0] as ContainerStartResult;
    // what finished is listed (design order), then the error
    expect(record.steps.slice(-3)).toEqual(['network', 'ipc', 'volumes']);
  });

  it('retries a transient failure and starts', async () => {
    const { calls, result, attempts } = await runSaga({ fail: { connectNetwork: { times: 2, type: 'Internal' } } });
    expect(result?.status).toBe('running');
    expect(attempts.get('connectNetwork')).toBe(3);
    expect(calls.filter((c) => c.startsWith('release') || c.startsWith('un'))).toEqual([]);
    expect(calls.at(-1)).toBe(CLAIM_RELEASED_BY_MARK_RUNNING);
  });

  it('records exit code 127 when the command is not found', async () => {
    const { error, markFailedArgs } = await runSaga({
      fail: { startProcess: { type: 'CommandNotFound', message: 'exec: "nope": executable file not found in $PATH' } },
    });
    expect(failureOf(error).type).toBe('CommandNotFound');
    expect(markFailedArgs[0]!.exitCode).toBe(127);
  });

  it('cancellation mid-start reads the claim on the host, releases every step the container needs, and ends Cancelled', async () => {
    const { calls, error } = await runSaga({ block: 'mountVolumes' }, undefined, async (handle) => {
      await suite.env.sleep(1000);
      await handle.cancel();
    });
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expectCalls(calls.slice(0, PREPARE.length + AT_ONCE.length), [...PREPARE, AT_ONCE]);
    // the claim is this run's: every release runs, the spec's and the process's too (an attempt of the task
    // whose results were lost may have gone further than this run saw)
    expect(calls[PREPARE.length + AT_ONCE.length]).toBe('lookupContainer');
    expectUndo(calls, PREPARE.length + AT_ONCE.length + 1, [...RELEASE_ORDER_CALLS]);
  });

  it('compensates in two rounds: the process first, then every other release at once', async () => {
    // releaseIpc is slow: run one after another, the releases after it in reverse order would start only once it ended
    const { calls, error, endedAt } = await runSaga({
      fail: { markRunning: {} },
      slow: { markFailed: 300, unregisterProcess: 300, releaseIpc: 300 },
    });
    expect(failureOf(error).type).toBe('InjectedFault');
    const second = ['removeSpec', 'unmountVolumes', 'releaseIpc', 'releaseNetwork', 'unmountRootfs'];
    for (const r of second) expect(calls.indexOf(r)).toBeGreaterThanOrEqual(endedAt.get('unregisterProcess')!);
    for (const r of second) expect(calls.indexOf(r)).toBeLessThan(endedAt.get('releaseIpc')!);
    // the state write (slow too) went beside the process's release, not before it
    expect(calls.indexOf('unregisterProcess')).toBeLessThan(endedAt.get('markFailed')!);
    expect((failureOf(error).details?.[0] as ContainerStartResult).compensations).toEqual(RELEASE_ORDER);
  });

  it('AutoRemove (run --rm): a failed start removes the container after its cleanup and before the claim goes; a successful one does not', async () => {
    const { calls, error } = await runSaga({ snapshot: { autoRemove: true }, fail: { startProcess: {} } });
    const record = failureOf(error).details?.[0] as ContainerStartResult;
    expect(calls.indexOf('autoRemove')).toBeGreaterThan(calls.indexOf('finishFailed'));
    expect(calls.indexOf('autoRemove')).toBeLessThan(calls.indexOf('releaseStart'));
    expect(record.compensations.at(-1)).toBe('auto-remove');
    expect((await runSaga({ snapshot: { autoRemove: true } })).calls).not.toContain('autoRemove');
    expect((await runSaga({ fail: { startProcess: {} } })).calls).not.toContain('autoRemove');
  });

  it('a compensation that keeps failing is retried, then listed as a leftover', async () => {
    const { error, attempts } = await runSaga({
      fail: { mountVolumes: {}, releaseNetwork: { times: 100, type: 'Internal', message: 'CNI DEL failed' } },
    });
    const failure = failureOf(error);
    expect(failure.type).toBe('CompensationIncomplete');
    expect(failure.message).toContain('release-network: CNI DEL failed');
    expect(attempts.get('releaseNetwork')).toBe(8);
    const record = failure.details?.[0] as ContainerStartResult;
    expect(record.leftovers).toEqual(['release-network: CNI DEL failed']);
    expect(record.compensations).toEqual(['unmount-volumes', 'unmount-ipc', 'unmount-rootfs']);
  });

  // Docker's errors, each before any side effect: type, message and status.
  const dockerErrors: Array<[string, StubPlan, ContainerStartInput, string, string, number]> = [
    ['missing container', {}, { container: 'nosuch' }, 'NoSuchContainer', 'No such container: nosuch', 404],
    [
      'paused',
      { snapshot: { paused: true } },
      { container: 'web' },
      'StartPaused',
      'Cannot start a paused container, try unpause instead.',
      409,
    ],
    [
      'running',
      { snapshot: { running: true } },
      { container: 'web' },
      'AlreadyStarted',
      'Container already started',
      304,
    ],
    [
      'hostConfig on Windows',
      { os: 'windows' },
      { container: 'web', hostConfig: {} },
      'HostConfigStart',
      'Supplying a hostConfig on start is not supported. It should be supplied on create.',
      400,
    ],
    // the setHostConfig activity validates (verifyHostConfig, unit-tested): the saga reports its error as it is
    [
      'bad security opt',
      { fail: { setHostConfig: { type: 'InvalidSecurityOpt', message: 'Invalid --security-opt: "foo"' } } },
      { container: 'web', hostConfig: { SecurityOpt: ['foo'] } },
      'InvalidSecurityOpt',
      'Invalid --security-opt: "foo"',
      400,
    ],
    [
      'running once claimed (another start won the race)',
      { claimed: { running: true } },
      { container: 'web' },
      'AlreadyStarted',
      'Container already started',
      304,
    ],
    [
      'bad settings',
      { fail: { verifySettings: { type: 'InvalidSettings', message: 'SHM size can not be less than 0' } } },
      { container: 'web' },
      'InvalidSettings',
      'SHM size can not be less than 0',
      400,
    ],
    [
      'being removed',
      {
        fail: {
          claimStart: {
            type: 'ContainerBeingRemoved',
            message: 'Container is marked for removal and cannot be started.',
          },
        },
      },
      { container: 'web' },
      'ContainerBeingRemoved',
      'Container is marked for removal and cannot be started.',
      409,
    ],
    [
      'another saga starting it',
      { fail: { claimStart: { type: 'StartInProgress', message: 'Conflict: already being started' } } },
      { container: 'web' },
      'StartInProgress',
      'Conflict: already being started',
      409,
    ],
  ];
  it.each(dockerErrors)(
    '%s → Docker error before any side effect',
    async (_label, plan, input, type, message, status) => {
      const { error, calls } = await runSaga(plan, input);
      const failure = failureOf(error);
      expect(failure.type).toBe(type);
      expect(failure.message).toBe(message);
      expect(failure.nonRetryable).toBe(true);
      expect((failure.details?.[0] as ContainerStartResult).error?.status).toBe(status);
      expect(calls.some((c) => ['mountRootfs', 'markFailed'].includes(c))).toBe(false);
    },
  );

  it('releases the claim of a container found running once claimed, and does nothing else', async () => {
    const { calls } = await runSaga({ claimed: { running: true } }, { container: 'web' });
    expect(calls).toEqual(['lookupContainer', 'verifySettings', 'claimStart', 'releaseStart']);
  });

  it('passes a legacy hostConfig to the container before verifying settings', async () => {
    const { calls, result } = await runSaga(
      {},
      { container: 'web', hostConfig: { SecurityOpt: ['no-new-privileges'] } },
    );
    expect(result?.status).toBe('running');
    expect(calls.slice(0, 4)).toEqual(['lookupContainer', 'hostInfo', 'setHostConfig', 'verifySettings']);
  });

  it('a host whose worker is gone: the first host step not picked up in time fails the start HostUnavailable, and nothing more is sent to that host', async () => {
    const { calls, error } = await runSaga({}, undefined, undefined, { hostGone: true });
    // the record steps ran on the host's queue (another host's worker ran the workflow task); nothing after reached it
    expectCalls(calls, PREPARE);
    const f = failureOf(error);
    expect(f.type).toBe('HostUnavailable');
    expect(f.message).toMatch(
      /^host stub is unavailable: no worker took its (mountRootfs|connectNetwork|setupIpc|mountVolumes) step within 20s \(is the worker with CONTAINER_SAGA_HOST=stub running\?\); left for host stub's start-up reconcile: state, /,
    );
    const record = f.details?.[0] as ContainerStartResult;
    expect(record).toMatchObject({ status: 'failed', host: 'stub', compensations: [] });
    expect(record.leftovers.map((l) => l.split(':')[0])).toEqual([
      'state',
      ...RELEASE_ORDER.filter((r) => r !== 'unregister-process' && r !== 'remove-spec'),
      'die event',
    ]);
    for (const l of record.leftovers)
      expect(l).toMatch(/: left for host stub's start-up reconcile \(the host is unavailable\)$/);
  });

  it('rejects an input that is not {"container": …}', async () => {
    const { error } = await runSaga({}, { name: 'web' } as unknown as ContainerStartInput);
    expect(failureOf(error).type).toBe('InvalidParameter');
  });
});
