import { logBound, type LogConfig } from '../common/log-config';
import type { ContainerRun, RunEnd } from '../common/monitor-api';
import type { RestartPolicy } from '../common/types';
import { CLAIM_LOCK } from './claim';
import type { StepContext } from './contract';
import type { HostRuntime } from './host-runtime';
import { LOG_LOCK, LogSampler } from './log-index';

/**
 * What Docker's container monitor does on the host, for the monitor workflow: watch a run until its process
 * exits, then record the exit and run Docker's Cleanup (every release of the step table, in teardown
 * order), so an exited container holds no netns, IP, mount or process.
 */

const POLL_MS = 100;

/**
 * Waits until the run ends: its process exited (the record, or the driver's exit file, says how), the
 * container was removed, or another run replaced it. Each poll also samples the container's log for its
 * timestamps and rotates it past max-size (pollLog). Reads files only: a worker that died while waiting
 * loses nothing (the next one finds the exit file the shim wrote meanwhile).
 */
export async function waitForRunEnd(rt: HostRuntime, id: string, run: ContainerRun, ctx?: StepContext): Promise<RunEnd> {
  const sampler = new LogSampler(rt.driver.layout.log(id));
  for (;;) {
    const rec = await rt.store.read(id);
    if (!rec || rec.State.RemovalInProgress || rec.State.Dead) return { kind: 'removed' };
    const ours = rec.State.StartedAt === run.startedAt;
    if (!ours && rec.State.Running) return { kind: 'superseded', run: { pid: rec.State.Pid, startedAt: rec.State.StartedAt } };
    if (!rec.State.Running) {
      // someone recorded the exit first (stop, a refreshed read), or a run we never saw began and ended:
      // what the record says is all there is to know
      return { kind: 'exited', exitCode: rec.State.ExitCode, finishedAt: rec.State.FinishedAt, oomKilled: rec.State.OOMKilled ?? false };
    }
    const probe = await rt.driver.probeProcess(id);
    // after the probe: an exited process's last output is sampled too
    await pollLog(rt, id, sampler, rec.HostConfig.LogConfig);
    if (probe.kind === 'exited') return { kind: 'exited', exitCode: probe.code, finishedAt: probe.at, oomKilled: probe.oomKilled ?? false };
    if (ctx?.signal?.aborted) throw new Error('wait cancelled');
    ctx?.progress?.();
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * The monitor's part in the container's log, once per poll: a timestamp sample (one stat; an append when the
 * log grew), and Docker's json-file rotation once the live file has reached max-size (log-index.ts). Never
 * fails the wait: what cannot be done now is tried again at the next poll.
 */
async function pollLog(rt: HostRuntime, id: string, sampler: LogSampler, cfg: LogConfig | undefined): Promise<void> {
  try {
    const size = await sampler.sample();
    const bound = logBound(cfg);
    if (size !== undefined && size >= bound.maxSize) await rt.store.withLock(id, () => sampler.rotate(bound), LOG_LOCK);
  } catch {
    // a full disk or a removed directory: the next poll tries again
  }
}

export interface ExitHandled {
  /** false when the container is gone */
  exists: boolean;
  /** a start has claimed the container since: its resources are that start's to adopt, not to release */
  startedAgain: boolean;
  /** docker run --rm: the container is to be removed now */
  autoRemove: boolean;
  policy: RestartPolicy;
  manuallyStopped: boolean;
  /** how long the run lasted */
  ranMs: number;
  /** what could not be released (recorded on the container for gc) */
  leftovers: string[];
}

/**
 * The run has exited: record it (Status exited, ExitCode, FinishedAt, `die` once per run) unless someone did,
 * then Docker's Cleanup: every release in teardown order, what fails recorded as leftovers. Idempotent.
 */
export async function handleRunExit(rt: HostRuntime, id: string, run: ContainerRun, end: Extract<RunEnd, { kind: 'exited' }>, ctx?: StepContext): Promise<ExitHandled> {
  const gone: ExitHandled = { exists: false, startedAgain: false, autoRemove: false, policy: { Name: 'no', MaximumRetryCount: 0 }, manuallyStopped: true, ranMs: 0, leftovers: [] };
  if (!(await rt.store.read(id))) return gone;
  // Under the claim lock, as Docker's exit handler holds the container lock: a start cannot claim the
  // container while its last run is cleaned up, and a start that claimed it first keeps what it adopts.
  return rt.store.withLock(id, async () => {
    const rec = await rt.store.read(id);
    if (!rec) return gone;
    if (rec.State.StartedAt === run.startedAt) await rt.records.markExited(rec, end.exitCode, end.finishedAt, end.oomKilled);
    const claim = rec.StartingBy;
    const ownClaim = claim !== undefined && claim.workflowId === run.startedBy?.workflowId && claim.runId === run.startedBy.runId;
    const startedAgain = (claim !== undefined && !ownClaim) || rec.State.StartedAt !== run.startedAt;
    const leftovers = startedAgain ? [] : await rt.releaseAll(id, ctx);
    // the record as it is now, leftovers noted on it; rm may have removed it meanwhile
    const after = await (startedAgain ? rt.store.read(id) : rt.records.recordLeftovers(id, leftovers).catch(() => rt.store.read(id)));
    if (!after) return gone;
    return {
      exists: true,
      startedAgain,
      autoRemove: after.HostConfig.AutoRemove === true && !startedAgain,
      policy: after.HostConfig.RestartPolicy,
      manuallyStopped: after.HasBeenManuallyStopped === true,
      ranMs: Math.max(0, Date.parse(end.finishedAt) - Date.parse(run.startedAt)) || 0,
      leftovers,
    };
  }, CLAIM_LOCK);
}
