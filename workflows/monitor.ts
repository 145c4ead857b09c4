import {
  ActivityCancellationType,
  type ActivityOptions,
  condition,
  defineSignal,
  executeChild,
  makeContinueAsNewFunc,
  patched,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { baselineMemo } from '../common/baseline';
import {
  RUN_STARTED_SIGNAL,
  type ContainerRun,
  type MonitorInput,
  type MonitorResult,
  type RunEnd,
} from '../common/monitor-api';
import { restartDecision, type RestartDecision } from '../common/restart-policy';
import { recordRestart } from '../metrics/workflow';
import { containerAttributes, MonitoredState, SearchKeys } from '../common/search-attributes';
import { summaryOf } from '../common/workflow-metadata';
import { containerStart } from './container-start';
import { checkInput, detailOf, exitCodeFor } from './failures';
import { onHost } from './host-routing';
import { cleanup, fast } from './options';
import { watchWithHealth, type HealthWatch } from './monitor-health';
import { Patches } from './patches';

export const runStartedSignal = defineSignal<[ContainerRun]>(RUN_STARTED_SIGNAL);

/**
 * The wait for a run's exit: as long as the process runs (days), heartbeating; a worker that dies mid-wait
 * is noticed after 10 s and the wait goes on elsewhere, where the shim's exit file still tells how it ended.
 */
const watching: ActivityOptions = {
  startToCloseTimeout: '3650d',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
};

/**
 * The monitor's activities, each with its summary in the Web UI ("wait for web to exit"): on the container's
 * host, waiting for that host however long it is away (a monitor gives up on nothing while its container
 * exists).
 */
function activities(label: string, restartCount: number, host: string) {
  const proxy = (options: ActivityOptions) => onHost(host, options, { waitForHost: true });
  return {
    watch: proxy({ ...watching, summary: `wait for ${label} to exit` }),
    // beside the probes: cancelled before a continue-as-new, which waits until it has stopped
    watchBesideProbes: proxy({
      ...watching,
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      summary: `wait for ${label} to exit`,
    }),
    release: proxy({ ...cleanup, summary: `record the exit of ${label}, release what it held` }),
    remove: proxy({ ...cleanup, summary: `remove ${label} (AutoRemove)` }),
    markRestarting: proxy({ ...fast, summary: `mark ${label} restarting (${restartCount})` }),
    gate: proxy({ ...fast, summary: `check that restart ${restartCount} of ${label} is still wanted` }),
    clear: proxy({ ...fast, summary: `clear the restarting mark of ${label}` }),
  };
}

/**
 * The container's ContainerState and RestartCount in visibility: `restarting` from the restart decision until
 * a run is handed over again.
 */
function showState(state: string, restartCount: number): void {
  upsertSearchAttributes([
    { key: SearchKeys.containerState, value: state },
    { key: SearchKeys.restartCount, value: restartCount },
  ]);
}

/** Restarts kept in one run of the monitor before it continues as new (its history stays small). */
const RESTARTS_PER_HISTORY = 50;

/**
 * Docker's container monitor (newContainerMonitor + the restart manager): one per container, started by the
 * start saga as it hands each run over (signal-with-start, so it outlives the saga). It waits for the run's
 * process to exit, records the exit and runs Docker's Cleanup (every release, in teardown order), then
 * applies the restart policy: after Docker's backoff (a durable timer) it restarts the container through
 * the start saga itself, so a restart that fails compensates like any start and counts toward the policy.
 * `stop` and `kill` mark the container manually stopped: no restart. It ends when there is nothing to
 * restart (policy, manual stop, removal); the next start begins a new one.
 */
export async function containerMonitor(input: MonitorInput): Promise<MonitorResult> {
  checkInput('containerMonitor', input);
  const id = input.containerId;
  let restartCount = input.carried?.restartCount ?? 0;
  let delayMs = input.carried?.delayMs ?? 0;
  let latest: ContainerRun | undefined = input.carried?.run;
  setHandler(runStartedSignal, (run) => {
    // Each run is handed over once per start attempt that reached it; a retried hand-over repeats it.
    if (!latest || run.startedAt > latest.startedAt) latest = run;
  });
  const ended = (why: MonitorResult['ended'], lastExitCode?: number): MonitorResult => ({
    containerId: id,
    ended: why,
    restartCount,
    lastExitCode,
  });
  // Name and image as the hand-over set them at start (a monitor started by hand may have neither: the ID then).
  const attrs = workflowInfo().typedSearchAttributes;
  const name = attrs.get(SearchKeys.containerName);
  const image = attrs.get(SearchKeys.image);
  const label = name ?? id.slice(0, 12);

  // The wait for the run's exit, with its healthcheck's probes meanwhile when it has one.
  const watchRun = async (run: ContainerRun): Promise<HealthWatch> => {
    const acts = activities(label, restartCount, input.host);
    const { healthcheck } = run;
    if (!healthcheck || !patched(Patches.monitorRunsHealthchecks))
      return { end: await acts.watch.waitForRunEnd({ id, run }) };
    const wait = () => acts.watchBesideProbes.waitForRunEnd({ id, run });
    return watchWithHealth(input.host, label, id, { ...run, healthcheck }, wait, input.carried?.health);
  };

  for (let restartsHere = 0; ; ) {
    await condition(() => latest !== undefined);
    const run = latest!;
    const watched = await watchRun(run);
    if ('continueAsNew' in watched) {
      return makeContinueAsNewFunc<typeof containerMonitor>({ memo: baselineMemo() })({
        containerId: id,
        host: input.host,
        carried: { run: latest, restartCount, delayMs, health: watched.continueAsNew },
      });
    }
    const end: RunEnd = watched.end;
    if (end.kind === 'removed') return ended('removed');
    if (end.kind === 'superseded') {
      // Started again by someone else: watch that run (its hand-over may not have arrived yet).
      if (!latest || end.run.startedAt > latest.startedAt) latest = end.run;
      continue;
    }
    const handled = await activities(label, restartCount, input.host).release.handleRunExit({ id, run, end });
    if (!handled.exists) return ended('removed', end.exitCode);
    if (handled.autoRemove) {
      await activities(label, restartCount, input.host).remove.autoRemove({ id });
      return ended('removed', end.exitCode);
    }
    // A start claimed the container meanwhile: its run is handed over when it runs (a failed one never is,
    // and then there is nothing to watch until the next start).
    if (handled.startedAgain) await condition(() => latest !== run);
    // A newer run was handed over while this one was being cleaned up: watch it.
    if (latest !== run) continue;

    let decision: RestartDecision = restartDecision(
      handled.policy,
      { exitCode: end.exitCode, ranMs: handled.ranMs, manuallyStopped: handled.manuallyStopped },
      { restartCount, delayMs },
    );
    let lastExitCode = end.exitCode;
    while (decision.restart) {
      delayMs = decision.delayMs;
      restartCount++;
      restartsHere++;
      const acts = activities(label, restartCount, input.host);
      await acts.markRestarting.markRestarting({ id, restartCount });
      showState(MonitoredState.restarting, restartCount);
      await sleep(delayMs, { summary: `restart backoff of ${label}: ${delayMs} ms` });
      const gate = await acts.gate.restartAllowed({ id });
      if (gate === 'removed') return ended('removed', lastExitCode);
      if (gate === 'manually-stopped') {
        await acts.clear.clearRestarting({ id });
        return ended('manually-stopped', lastExitCode);
      }
      if (gate === 'running') {
        // someone started it during the backoff: watch that run (its hand-over arrives, or has)
        await acts.clear.clearRestarting({ id });
        showState(MonitoredState.running, restartCount);
        await condition(() => latest !== run);
        break;
      }
      try {
        recordRestart(handled.policy.Name);
        // The restart's own run is handed over by its mark-running, like any start's: `latest` moves on.
        await executeChild(containerStart, {
          workflowId: `container-restart-${id}-${workflowInfo().runId}-${restartCount}`,
          args: [{ container: id }],
          staticSummary: summaryOf(
            'restart',
            label,
            `${restartCount} by policy ${handled.policy.Name}${image ? ` · ${image}` : ''}`,
          ),
          typedSearchAttributes: containerAttributes({ id, name, image }),
        });
        showState(MonitoredState.running, restartCount);
        await condition(() => latest !== run);
        break;
      } catch (err) {
        // The restart failed and compensated: an exit with its start error's code, counted like any.
        lastExitCode = exitCodeFor(detailOf(err).type);
        decision = restartDecision(
          handled.policy,
          { exitCode: lastExitCode, ranMs: 0, manuallyStopped: false },
          { restartCount, delayMs },
        );
        if (!decision.restart) await acts.clear.clearRestarting({ id });
      }
    }
    if (!decision.restart && latest === run) {
      return ended(handled.manuallyStopped ? 'manually-stopped' : 'policy', lastExitCode);
    }
    if (restartsHere >= RESTARTS_PER_HISTORY || workflowInfo().continueAsNewSuggested) {
      await makeContinueAsNewFunc<typeof containerMonitor>({ memo: baselineMemo() })({
        containerId: id,
        host: input.host,
        carried: { run: latest, restartCount, delayMs },
      });
    }
  }
}
