import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../../activities';
import { ContainerError, ErrorStatus, type ErrorType } from '../../common/errors';
import type { RestartGate } from '../../activities/monitor';
import { sharedQueueOf } from '../../common/hosts-api';
import { monitorWorkflowId, RUN_STARTED_SIGNAL, type ContainerRun, type RunEnd } from '../../common/monitor-api';
import { WorkflowTypes } from '../../common/names';
import { notStartable, type ClaimedHere, type ContainerSnapshot } from '../../common/start-api';
import type { RestartPolicy } from '../../common/types';
import type { RefusingStep } from '../../common/steps';

/** The one host of the stub tests: their workers poll `<queue>` and `<queue>@stub`. */
export const STUB_HOST = 'stub';
/** The call a mark-running that also released the claim adds after its own. */
export const CLAIM_RELEASED_BY_MARK_RUNNING = 'markRunning:releaseClaim';

export interface StubPlan {
  snapshot?: Partial<ContainerSnapshot>;
  /** what claimStart sees, over `snapshot` (e.g. running: another start won the race) */
  claimed?: Partial<ContainerSnapshot>;
  os?: 'linux' | 'windows';
  /** activity name → failure: permanent ContainerError type, or `transient` N times */
  fail?: Record<string, { type?: string; message?: string; times?: number; retryable?: boolean }>;
  /** activity name that waits, heartbeating, until cancelled */
  block?: string;
  /** activity name → milliseconds it takes (real time) before it returns */
  slow?: Record<string, number>;
  /** the monitor's side: how each run ends, and what the container's record says then */
  monitor?: MonitorPlan;
}

export interface MonitorPlan {
  policy: RestartPolicy;
  /** exit code of run n (0-based); a run past the list blocks until the container is removed */
  exits: number[];
  /** how long run n lasted (default 1 s) */
  ranMs?: number[];
  /** the user stopped the container: run n ended by it (marked manually stopped) */
  stoppedAt?: number;
  /** the user stops the container while the restart after run n waits out its backoff */
  stoppedInBackoffAfter?: number;
  /** the container is removed after run n */
  removedAfter?: number;
  /** docker run --rm: the container is removed once its run ends */
  autoRemove?: boolean;
  /** starts (0 the user's, then each restart) whose process step fails: command not found (exit 127) */
  failStartOf?: number[];
}

/**
 * Stub activities that record every call in order, for workflow tests: the workflow with fake side effects.
 * Failures are thrown the way the real activities throw them (ApplicationFailure with the Docker type).
 */
export function stubActivities(plan: StubPlan = {}) {
  const calls: string[] = [];
  const attempts = new Map<string, number>();
  const snap: ContainerSnapshot = {
    id: 'c0ffee'.padEnd(64, '0'),
    name: 'web',
    running: false,
    paused: false,
    removing: false,
    hostname: 'c0ffee000000',
    tty: false,
    env: ['A=1'],
    networkMode: '',
    securityOpt: [],
    ipcMode: '',
    links: [],
    workingDir: '',
    hasMounts: true,
    ...plan.snapshot,
  };
  const markFailedArgs: Array<{ error: string; exitCode: number }> = [];
  // the claim as the host would record it: whether the (one) run holds it, what a cancelled start settles by
  let claimed = false;
  const current = (): ContainerSnapshot => ({ ...snap, ...(claimed ? { claimedByThisRun: true as const } : {}) });
  /** activity name → how many calls had started when it returned (for "did X end before Y began") */
  const endedAt = new Map<string, number>();

  async function step<T>(name: string, value: T): Promise<T> {
    calls.push(name);
    const n = (attempts.get(name) ?? 0) + 1;
    attempts.set(name, n);
    const f = plan.fail?.[name];
    if (f && (f.times === undefined || n <= f.times)) {
      const type = f.type ?? 'InjectedFault';
      const message = f.message ?? `injected failure at ${name}`;
      throw ApplicationFailure.create({ type, message, nonRetryable: !(f.retryable ?? f.times !== undefined) });
    }
    const slow = plan.slow?.[name];
    if (slow) {
      await new Promise((r) => setTimeout(r, slow));
      endedAt.set(name, calls.length);
    }
    if (plan.block === name) {
      const ctx = Context.current();
      for (;;) {
        ctx.heartbeat();
        await Promise.race([ctx.cancelled, new Promise((r) => setTimeout(r, 20))]);
      }
    }
    return value;
  }

  // The monitor's view: each mark-running hands a run over (as the real one does, by signal-with-start).
  const runs: ContainerRun[] = [];
  const restartMarks: number[] = [];
  let starts = 0;
  const mon = plan.monitor;
  const removed = (n: number) => mon?.removedAfter !== undefined && n > mon.removedAfter;
  const stoppedInBackoff = () =>
    mon?.stoppedInBackoffAfter !== undefined && runs.length - 1 >= mon.stoppedInBackoffAfter;
  const monitorActs = {
    waitForRunEnd: async ({ run }: { run: ContainerRun }): Promise<RunEnd> => {
      calls.push('waitForRunEnd');
      const n = runs.findIndex((r) => r.startedAt === run.startedAt);
      if (removed(n)) return { kind: 'removed' };
      const code = mon?.exits[n];
      if (code === undefined) {
        // runs on: wait until the test is over
        await Context.current().cancelled;
      }
      return { kind: 'exited', exitCode: code!, finishedAt: run.startedAt, oomKilled: false };
    },
    handleRunExit: async ({ run }: { run: ContainerRun }) => {
      calls.push('handleRunExit');
      const n = runs.findIndex((r) => r.startedAt === run.startedAt);
      return {
        exists: true,
        startedAgain: false,
        autoRemove: mon?.autoRemove === true,
        policy: mon!.policy,
        manuallyStopped: mon?.stoppedAt === n,
        ranMs: mon?.ranMs?.[n] ?? 1000,
        leftovers: [],
      };
    },
    markRestarting: async ({ restartCount }: { restartCount: number }) => {
      calls.push('markRestarting');
      restartMarks.push(restartCount);
    },
    clearRestarting: async () => void calls.push('clearRestarting'),
    autoRemove: async () => void calls.push('autoRemove'),
    restoreMonitors: () => Promise.reject(new Error('unused')),
    waitContainer: () => Promise.reject(new Error('unused')),
    restartAllowed: async (): Promise<RestartGate> => {
      calls.push('restartAllowed');
      if (removed(runs.length - 1)) return 'removed';
      return stoppedInBackoff() ? 'manually-stopped' : 'go';
    },
  };

  const acts: Activities = {
    ...monitorActs,
    // one host, `stub` (the test runs a worker on its host queue too): the container is found here, unless it does not
    // exist
    locateHere: async (i) => {
      if (i.container === 'nosuch') {
        calls.push('lookupContainer');
        return { host: STUB_HOST };
      }
      const found = { host: STUB_HOST, match: { id: snap.id, name: snap.name, by: 'name' as const } };
      // the start saga's first look brings the snapshot (its lookup step, counted as lookupContainer)
      return i.withSnapshot ? { ...found, snapshot: await step('lookupContainer', snap) } : found;
    },
    // the first look with its checks and claim, through the same stubbed calls in the real one's order
    claimHere: async (i) => {
      const located = await acts.locateHere({ container: i.container, withSnapshot: true });
      if (!located.snapshot) return { located };
      const refused = (step: RefusingStep, err: unknown): ClaimedHere => {
        if (err instanceof ContainerError)
          return {
            located,
            claim: { refused: { step, error: { type: err.type, message: err.message, status: err.status } } },
          };
        if (!(err instanceof ApplicationFailure) || !err.nonRetryable) throw err;
        const type = err.type as ErrorType;
        return {
          located,
          claim: { refused: { step, error: { type, message: err.message, status: ErrorStatus[type] ?? 500 } } },
        };
      };
      const state = notStartable(located.snapshot);
      if (state) return refused('check-state', state);
      try {
        await acts.verifySettings({ id: snap.id });
      } catch (err) {
        return refused('verify-settings', err);
      }
      try {
        return { located, claim: { claimed: await acts.claimStart({ id: snap.id }) } };
      } catch (err) {
        return refused('claim', err);
      }
    },
    hostStatus: async () => ({ name: STUB_HOST, driver: 'simulated', running: 0, containers: 1 }),
    liveHosts: async () => [
      {
        name: STUB_HOST,
        driver: 'simulated',
        availability: 'active',
        registeredAt: '2026-01-01T00:00:00Z',
        live: true,
      },
    ],
    lookupContainer: (i) => {
      if (i.container === 'nosuch') {
        calls.push('lookupContainer');
        const e = new ContainerError('NoSuchContainer', `No such container: ${i.container}`);
        return Promise.reject(ApplicationFailure.create({ type: e.type, message: e.message, nonRetryable: true }));
      }
      return step('lookupContainer', current());
    },
    hostInfo: () =>
      step('hostInfo', {
        os: plan.os ?? 'linux',
        cpus: 2,
        memoryBytes: 1 << 30,
        cgroupMemory: true,
        cgroupCpu: true,
        cgroupPids: true,
      }),
    setHostConfig: () => step('setHostConfig', undefined),
    verifySettings: () => step('verifySettings', undefined),
    claimStart: async () => {
      const view = await step('claimStart', { ...snap, ...plan.claimed });
      claimed = true;
      return { ...view, claimedByThisRun: true };
    },
    releaseStart: async () => {
      await step('releaseStart', undefined);
      claimed = false;
    },
    mountRootfs: () => step('mountRootfs', undefined),
    unmountRootfs: () => step('unmountRootfs', undefined),
    connectNetwork: () => step('connectNetwork', { ipAddress: '10.88.0.2' }),
    releaseNetwork: () => step('releaseNetwork', undefined),
    linkedContainers: () => step('linkedContainers', []),
    setupWorkingDir: () => step('setupWorkingDir', undefined),
    writeSpec: () => step('writeSpec', undefined),
    removeSpec: () => step('removeSpec', undefined),
    setupIpc: () => step('setupIpc', undefined),
    releaseIpc: () => step('releaseIpc', undefined),
    mountVolumes: () => step('mountVolumes', undefined),
    unmountVolumes: () => step('unmountVolumes', undefined),
    startProcess: () => {
      const n = starts++;
      if (mon?.failStartOf?.includes(n)) {
        calls.push('startProcess');
        return Promise.reject(
          ApplicationFailure.create({
            type: 'CommandNotFound',
            message: 'exec: "nosuch": executable file not found in $PATH',
            nonRetryable: true,
          }),
        );
      }
      return step('startProcess', { pid: 4242 });
    },
    unregisterProcess: () => step('unregisterProcess', undefined),
    markRunning: async (input) => {
      await step('markRunning', undefined);
      // the claim released by the same call (the saga then sends no releaseStart)
      if (input.releaseClaim) {
        calls.push(CLAIM_RELEASED_BY_MARK_RUNNING);
        claimed = false;
      }
      if (!mon) return;
      const run: ContainerRun = {
        pid: 4242 + runs.length,
        startedAt: `2026-01-01T00:00:${String(runs.length).padStart(4, '0')}Z`,
      };
      runs.push(run);
      const { client, info } = Context.current();
      await client.workflow.signalWithStart(WorkflowTypes.monitor, {
        taskQueue: sharedQueueOf(info.taskQueue, STUB_HOST),
        workflowId: monitorWorkflowId(snap.id),
        args: [{ containerId: snap.id, host: STUB_HOST }],
        signal: RUN_STARTED_SIGNAL,
        signalArgs: [run],
      });
    },
    markFailed: (i) => {
      markFailedArgs.push({ error: i.error, exitCode: i.exitCode });
      return step('markFailed', undefined);
    },
    finishFailed: () => step('finishFailed', undefined),
    // ops activities are not used by the start saga
    createContainer: () => Promise.reject(new Error('unused')),
    inspectContainer: () => Promise.reject(new Error('unused')),
    listContainers: () => Promise.reject(new Error('unused')),
    readEvents: () => Promise.reject(new Error('unused')),
    cancelStart: () => Promise.reject(new Error('unused')),
    stopContainer: () => Promise.reject(new Error('unused')),
    removeContainer: () => Promise.reject(new Error('unused')),
    readLogs: () => Promise.reject(new Error('unused')),
    collectGarbage: () => Promise.reject(new Error('unused')),
    importImage: () => Promise.reject(new Error('unused')),
    listImages: () => Promise.reject(new Error('unused')),
    findImages: () => Promise.reject(new Error('unused')),
    saveImages: () => Promise.reject(new Error('unused')),
    loadImages: () => Promise.reject(new Error('unused')),
    releaseLoad: () => Promise.reject(new Error('unused')),
    tagImage: () => Promise.reject(new Error('unused')),
    removeImage: () => Promise.reject(new Error('unused')),
    pruneImages: () => Promise.reject(new Error('unused')),
    createVolume: () => Promise.reject(new Error('unused')),
    listVolumes: () => Promise.reject(new Error('unused')),
    inspectVolume: () => Promise.reject(new Error('unused')),
    removeVolume: () => Promise.reject(new Error('unused')),
    pruneVolumes: () => Promise.reject(new Error('unused')),
    renameContainer: () => Promise.reject(new Error('unused')),
    topContainer: () => Promise.reject(new Error('unused')),
    pruneContainers: () => Promise.reject(new Error('unused')),
    diskUsage: () => Promise.reject(new Error('unused')),
    createNetwork: () => Promise.reject(new Error('unused')),
    listNetworks: () => Promise.reject(new Error('unused')),
    removeNetwork: () => Promise.reject(new Error('unused')),
    pruneNetworks: () => Promise.reject(new Error('unused')),
    connectToNetwork: () => Promise.reject(new Error('unused')),
    disconnectFromNetwork: () => Promise.reject(new Error('unused')),
    resolveImagePull: () => Promise.reject(new Error('unused')),
    pullLayer: () => Promise.reject(new Error('unused')),
    recordPulledImage: () => Promise.reject(new Error('unused')),
    abandonPull: () => Promise.reject(new Error('unused')),
    // nor are kill, pause, unpause and exec
    killContainer: () => Promise.reject(new Error('unused')),
    pauseContainer: () => Promise.reject(new Error('unused')),
    unpauseContainer: () => Promise.reject(new Error('unused')),
    createExec: () => Promise.reject(new Error('unused')),
    runExec: () => Promise.reject(new Error('unused')),
    readExecOutput: () => Promise.reject(new Error('unused')),
  };
  return { acts, calls, attempts, markFailedArgs, endedAt, snapshot: snap, runs, restartMarks };
}
