import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../../activities';
import { ContainerError } from '../../common/errors';
import type { ContainerSnapshot } from '../../common/start-api';


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
    ...plan.snapshot,
  };
  const markFailedArgs: Array<{ error: string; exitCode: number }> = [];
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

  const acts: Activities = {
    lookupContainer: (i) => {
      if (i.container === 'nosuch') {
        calls.push('lookupContainer');
        const e = new ContainerError('NoSuchContainer', `No such container: ${i.container}`);
        return Promise.reject(ApplicationFailure.create({ type: e.type, message: e.message, nonRetryable: true }));
      }
      return step('lookupContainer', snap);
    },
    hostInfo: () => step('hostInfo', { os: plan.os ?? 'linux', cpus: 2, memoryBytes: 1 << 30, cgroupMemory: true, cgroupCpu: true, cgroupPids: true }),
    setHostConfig: () => step('setHostConfig', undefined),
    verifySettings: () => step('verifySettings', undefined),
    claimStart: () => step('claimStart', { ...snap, ...plan.claimed }),
    releaseStart: () => step('releaseStart', undefined),
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
    startProcess: () => step('startProcess', { pid: 4242 }),
    unregisterProcess: () => step('unregisterProcess', undefined),
    markRunning: () => step('markRunning', undefined),
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
    // nor are kill, pause, unpause and exec
    killContainer: () => Promise.reject(new Error('unused')),
    pauseContainer: () => Promise.reject(new Error('unused')),
    unpauseContainer: () => Promise.reject(new Error('unused')),
    createExec: () => Promise.reject(new Error('unused')),
    runExec: () => Promise.reject(new Error('unused')),
    readExecOutput: () => Promise.reject(new Error('unused')),
  };
  return { acts, calls, attempts, markFailedArgs, endedAt, snapshot: snap };
}
