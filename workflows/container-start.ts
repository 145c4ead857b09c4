import {
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Activities } from '../activities';
import { daemonEnv, linkEnv, linkHostsEntries, type LinkTarget } from '../common/env';
import { ContainerError, Messages } from '../common/errors';
import { PROGRESS_QUERY, SearchAttributeNames } from '../common/names';
import { defaultNetMode, needsOwnIpc } from '../common/net-mode';
import { parseSecurityOpts } from '../common/security-opt';
import {
  CompensationNames as C,
  currentOf,
  Patches,
  StepNames as S,
  type ContainerSnapshot,
  type ContainerStartInput,
  type ContainerStartResult,
  type StepName,
} from '../common/start-api';
import { detailOf, exitCodeFor, failureOf } from './failures';
import { cleanup, cleanupLocal, fast, fastLocal, sideEffect } from './options';
import { Saga } from './saga';

export const progressQuery = defineQuery<ContainerStartResult>(PROGRESS_QUERY);
const ContainerIdKey = defineSearchAttributeKey(SearchAttributeNames.containerId, SearchAttributeType.KEYWORD);
const ContainerNameKey = defineSearchAttributeKey(SearchAttributeNames.containerName, SearchAttributeType.KEYWORD);

/** Activities with a summary, so the Web UI's timeline reads "mount-rootfs web" rather than a bare type. */
function acts(options: ActivityOptions, summary: string): Activities {
  return proxyActivities<Activities>({ ...options, summary });
}

/** The same activities, run locally inside the workflow task that reaches them (workflow v3 on). */
function localActs(options: LocalActivityOptions, summary: string): Activities {
  return proxyLocalActivities<Activities>({ ...options, summary });
}

/**
 * Docker's ContainerStart as a saga (design table steps 0–15 and F). Steps 0–4 only read and check; from the
 * claim on, each side-effecting step pushes its compensation before it runs (since v4 the four that run at
 * once push theirs before any of them starts). A failure or a
 * cancellation records the error (ExitCode 128 unless the start error has its own), runs the compensations in
 * reverse in a non-cancellable scope, then emits `die`. The caller sees the original Docker error, with this
 * run's record as its first detail; a compensation that could not finish turns it into
 * CompensationIncomplete, listing what is left.
 */
export async function containerStart(input: ContainerStartInput): Promise<ContainerStartResult> {
  if (typeof input?.container !== 'string') {
    throw ApplicationFailure.nonRetryable('input must be {"container": "<name|id|prefix>"}', 'InvalidParameter');
  }
  const result: ContainerStartResult = { containerId: '', name: '', status: 'starting', steps: [], compensations: [], leftovers: [] };
  setHandler(progressQuery, () => result);
  // Since v3 the fast group runs as local activities; histories recorded before keep their activity tasks.
  const localSteps = patched(Patches.localRecordSteps);
  const quickActs = (summary: string): Activities => (localSteps ? localActs(fastLocal, summary) : acts(fast, summary));

  const step = async <T>(name: StepName, fn: () => Promise<T>): Promise<T> => {
    result.current = name;
    setCurrentDetails(`**${name}** — ${result.name || input.container}`);
    const value = await fn();
    result.steps.push(name);
    return value;
  };
  /**
   * Steps that run at once: all of them settle before the saga goes on or compensates (so no compensation
   * races a step still in flight); those that finished are listed in design order, and the first failure
   * (a cancellation first) is what the saga sees.
   */
  const stepsAtOnce = async (parts: Array<[StepName, () => Promise<unknown>]>): Promise<unknown[]> => {
    result.current = currentOf(parts.map(([name]) => name));
    setCurrentDetails(`**${result.current}** — ${result.name || input.container}`);
    const settled = await Promise.allSettled(parts.map(([, run]) => run()));
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') result.steps.push(parts[i]![0]);
    });
    const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
    if (failures.length > 1) {
      // One error is the saga's (Docker reports one); the others stay in the worker's log and the history.
      log.warn('more than one step failed at once', { container: result.containerId, errors: failures.map((f) => detailOf(f).message) });
    }
    if (failures.length > 0) throw failures.find((f) => isCancellation(f)) ?? failures[0];
    return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value);
  };
  const fail = (err: unknown): never => {
    result.status = isCancellation(err) ? 'cancelled' : 'failed';
    delete result.current;
    if (isCancellation(err)) throw err;
    result.error = detailOf(err);
    throw failureOf(result.error, result);
  };

  // 0–3: look up and check, no side effects: an error here leaves the container untouched (as in Docker).
  let c: ContainerSnapshot;
  try {
    c = await step(S.lookup, () => quickActs(`lookup ${input.container}`).lookupContainer({ container: input.container }));
    result.containerId = c.id;
    result.name = c.name;
    upsertSearchAttributes([
      { key: ContainerIdKey, value: c.id },
      { key: ContainerNameKey, value: c.name },
    ]);
    const a = quickActs(c.name);
    await step(S.checkState, async () => {
      if (c.paused) throw new ContainerError('StartPaused', Messages.startPaused);
      if (c.running) throw new ContainerError('AlreadyStarted', Messages.alreadyStarted);
    });
    if (input.hostConfig) {
      const hostConfig = input.hostConfig;
      await step(S.hostConfig, async () => {
        if ((await a.hostInfo()).os === 'windows') throw new ContainerError('HostConfigStart', Messages.hostConfigStart);
        parseSecurityOpts(hostConfig.SecurityOpt ?? []);
        await a.setHostConfig({ id: c.id, hostConfig });
      });
    }
    await step(S.verifySettings, () => a.verifySettings({ id: c.id }));
  } catch (err) {
    return fail(err);
  }

  // 4: claim the container (the lock Docker takes in containerStart); released whatever happens next.
  const id = c.id;
  const release = localSteps ? localActs(cleanupLocal, `release claim ${c.name}`) : acts(cleanup, `release claim ${c.name}`);
  try {
    let claimed: ContainerSnapshot;
    try {
      claimed = await step(S.claim, () => quickActs(c.name).claimStart({ id }));
      if (claimed.removing) throw new ContainerError('ContainerBeingRemoved', Messages.beingRemoved);
    } catch (err) {
      // A local activity's failure arrives as the activity's own ApplicationFailure, not wrapped.
      return fail(err);
    }
    if (claimed.running) {
      // Another start got there between our check and the claim: Docker's containerStart returns nil.
      result.status = 'already-running';
      delete result.current;
      return result;
    }
    // runSaga throws only finished failures (with this run's record) or a cancellation.
    return await runSaga(claimed);
  } finally {
    await CancellationScope.nonCancellable(() => release.releaseStart({ id }));
  }

  async function runSaga(snap: ContainerSnapshot): Promise<ContainerStartResult> {
    const saga = new Saga();
    const doIt = acts(sideEffect, snap.name);
    const quick = quickActs(snap.name);
    const undo = acts(cleanup, snap.name);
    // Since v4 the steps that only acquire resources of their own run at once (see prepareAtOnce).
    const atOnce = patched(Patches.parallelPrepare);
    try {
      let net: { ipAddress: string };
      if (atOnce) {
        net = await prepareAtOnce(saga, snap, doIt, undo);
      } else {
        // 5
        saga.push(C.mountRootfs, () => undo.unmountRootfs({ id }));
        await step(S.mountRootfs, () => doIt.mountRootfs({ id }));
        // 6: pure; the driver applies the same default when it reads the record
        await step(S.defaultNetMode, async () => defaultNetMode(snap.networkMode));
        // 7
        saga.push(C.network, () => undo.releaseNetwork({ id }));
        net = await step(S.network, () => doIt.connectNetwork({ id }));
      }
      result.ipAddress = net.ipAddress || undefined;
      // 8
      const links: LinkTarget[] = await step(S.links, async () => (snap.links.length > 0 ? quick.linkedContainers({ id }) : []));
      // 9: Docker skips it when no working dir is set
      await step(S.workingDir, async () => {
        if (snap.workingDir !== '') await quick.setupWorkingDir({ id });
      });
      // 10: pure
      const env = await step(S.daemonEnv, async () =>
        daemonEnv({ hostname: snap.hostname, tty: snap.tty, linkedEnv: links.flatMap((t) => linkEnv(snap.name, t)), userEnv: snap.env }),
      );
      // 11
      saga.push(C.spec, () => undo.removeSpec({ id }));
      await step(S.spec, () => quick.writeSpec({ id, env, extraHosts: linkHostsEntries(links) }));
      if (!atOnce) {
        // 12: skipped for ipc host / container:X, which reuse another /dev/shm
        if (needsOwnIpc(snap.ipcMode)) {
          saga.push(C.ipc, () => undo.releaseIpc({ id }));
          await step(S.ipc, () => doIt.setupIpc({ id }));
        }
        // 13: since v2, nothing to do (so no activity and nothing to undo) for a container without mounts
        if (patched(Patches.skipEmptyVolumes) && snap.hasMounts === false) {
          await step(S.volumes, async () => undefined);
        } else {
          saga.push(C.volumes, () => undo.unmountVolumes({ id }));
          await step(S.volumes, () => doIt.mountVolumes({ id }));
        }
      }
      // 14
      saga.push(C.process, () => undo.unregisterProcess({ id }));
      const { pid } = await step(S.process, () => doIt.startProcess({ id }));
      result.pid = pid;
      // 15
      await step(S.markRunning, () => quick.markRunning({ id, pid }));
      result.status = 'running';
      delete result.current;
      setCurrentDetails(`**running** — ${snap.name} pid ${pid}${result.ipAddress ? ` ip ${result.ipAddress}` : ''}`);
      return result;
    } catch (err) {
      await CancellationScope.nonCancellable(() => rollback(saga, err, undo));
      if (isCancellation(err)) throw err;
      if (result.leftovers.length > 0) {
        throw failureOf(
          { type: 'CompensationIncomplete', status: 500, message: `${result.error!.message}; could not release: ${result.leftovers.join('; ')}` },
          result,
        );
      }
      throw failureOf(result.error!, result);
    }
  }

  /**
   * Steps 5, 6, 7, 12 and 13 at once (v4). Each acquires a resource of its own, named after the container:
   * the overlay rootfs, the netns with its CNI address, the /dev/shm tmpfs, the volume sources. None reads
   * what another makes (the working dir and the spec, which need the rootfs and the netns, come after), so
   * one round trip replaces up to four. Every compensation is pushed before any of them runs; a failure
   * compensates all four once all have settled (as the sequential order would have after a later failure).
   */
  async function prepareAtOnce(saga: Saga, snap: ContainerSnapshot, doIt: Activities, undo: Activities): Promise<{ ipAddress: string }> {
    // 6: pure; the driver applies the same default when it reads the record
    await step(S.defaultNetMode, async () => defaultNetMode(snap.networkMode));
    const parts: Array<[StepName, () => Promise<unknown>]> = [];
    saga.push(C.mountRootfs, () => undo.unmountRootfs({ id }));
    parts.push([S.mountRootfs, () => doIt.mountRootfs({ id })]);
    saga.push(C.network, () => undo.releaseNetwork({ id }));
    parts.push([S.network, () => doIt.connectNetwork({ id })]);
    // 12: skipped for ipc host / container:X, which reuse another /dev/shm
    if (needsOwnIpc(snap.ipcMode)) {
      saga.push(C.ipc, () => undo.releaseIpc({ id }));
      parts.push([S.ipc, () => doIt.setupIpc({ id })]);
    }
    // 13: nothing to do (no activity, nothing to undo) for a container without mounts, as since v2
    if (snap.hasMounts === false) {
      parts.push([S.volumes, async () => undefined]);
    } else {
      saga.push(C.volumes, () => undo.unmountVolumes({ id }));
      parts.push([S.volumes, () => doIt.mountVolumes({ id })]);
    }
    const [, net] = await stepsAtOnce(parts);
    return net as { ipAddress: string };
  }

  /** F: Docker's deferred error path, with the compensations in place of Cleanup. */
  async function rollback(saga: Saga, err: unknown, undo: Activities): Promise<void> {
    const cancelled = isCancellation(err);
    result.error = cancelled ? { type: 'Internal', message: 'start cancelled', status: 499 } : detailOf(err);
    result.status = 'compensating';
    result.current = 'compensate';
    setCurrentDetails(`**compensating** — ${result.name}: ${result.error.message}`);
    const exitCode = exitCodeFor(result.error.type);
    try {
      await undo.markFailed({ id, error: result.error.message, exitCode });
    } catch (e) {
      result.leftovers.push(`state: ${detailOf(e).message}`);
    }
    const outcome = await saga.compensate((name, error) => {
      if (error === undefined) result.compensations.push(name);
    });
    result.leftovers.push(...outcome.failed.map((f) => `${f.name}: ${detailOf(f.error).message}`));
    // What was released is no longer the container's: the record must not show it.
    if (outcome.ran.includes(C.network)) delete result.ipAddress;
    if (outcome.ran.includes(C.process)) delete result.pid;
    try {
      await undo.finishFailed({ id, leftovers: result.leftovers, exitCode });
    } catch (e) {
      result.leftovers.push(`die event: ${detailOf(e).message}`);
    }
    result.status = cancelled ? 'cancelled' : 'failed';
    delete result.current;
  }
}
