import { logBound, type LogConfig } from '../common/log-config';
import type { ContainerRun, RunEnd } from '../common/monitor-api';
import type { RestartPolicy } from '../common/types';
import { CLAIM_LOCK } from './claim';
import type { ContainerRuntime, StepContext } from './contract';
import type { HostParts } from './host-parts';
import { LOG_LOCK, LogSampler } from './log-index';
import { FileWaker } from './watch';

/**
 * What Docker's container monitor does on the host, for the monitor workflow: watch a run until its process
 * exits, then record the exit and run Docker's Cleanup (every release of the step table, in teardown
 * order), so an exited container holds no netns, IP, mount or process.
 */

/**
 * How often the wait looks anyway, with no change seen: what inotify cannot tell is noticed this late at most
 * (a process that died without its exit status written, its shim killed too: only /proc says so; an event
 * dropped when the inotify queue overflowed; a state root on a filesystem whose changes inotify does not
 * report). Liveness does not depend on it: the activity heartbeats on its own every third of the monitor's
 * 10 s heartbeat timeout (withHeartbeat; workflows/monitor.ts), whatever the wait does; a
 * worker's death is noticed by that timeout, not here. 2 s: a look (a read of the record and a probe)
 * costs worker CPU, times every running container, and an exit no event told of is still seen within
 * two seconds, five times under the heartbeat timeout.
 */
export const FALLBACK_MS = 2000;
/** How often the log is sampled at most while it is being written: the precision of `logs --since/--until`. */
export const LOG_SAMPLE_MS = 100;
/**
 * Writes to the log between two samples past which the container's directory is no longer watched until the
 * next look (FileWaker's flood limit): each write is an inotify event, a wake-up and a callback of the worker,
 * and a container printing in a tight loop would cost it a CPU core. So up to ≈ 100 writes a second the
 * wait is woken at once by an exit, and a container writing more is looked at every 100 ms (POLL_MS).
 */
export const LOG_FLOOD = 10;
/** Without a watch (none could be set up, it failed, or the log floods): how often the wait looks. */
const POLL_MS = 100;

type Change = 'state' | 'log';
const STATE: ReadonlySet<Change> = new Set(['state']);
const STATE_OR_LOG: ReadonlySet<Change> = new Set(['state', 'log']);

/**
 * What the monitor works with: the records and driver, and the releases of Docker's Cleanup as the runtime runs them.
 */
export type MonitorDeps = HostParts & Pick<ContainerRuntime, 'releaseAll'>;

export interface WaitTuning {
  /** the look without a change seen (FALLBACK_MS); a test makes it long, so that only a change ends the wait */
  fallbackMs?: number;
}

/**
 * Waits until the run ends: its process exited (the record, or the driver's exit file, says how), the
 * container was removed, or another run replaced it. Woken by a change of the files that say so (inotify):
 * the record, the driver's process files (Driver.processStateFiles), and then looks at all of them; else
 * every FALLBACK_MS. Also samples the container's log for its timestamps and rotates it past max-size
 * (pollLog) at each look, and while the log is being written at most every LOG_SAMPLE_MS. While the log
 * floods (LOG_FLOOD), or without inotify, it looks every 100 ms instead (POLL_MS). Reads
 * files only: a worker that died while waiting loses nothing (the next one finds the exit file the shim
 * wrote meanwhile). An abort of ctx.signal ends the wait at once; every watch is closed however it ends.
 */
export async function waitForRunEnd(
  rt: MonitorDeps,
  id: string,
  run: ContainerRun,
  ctx?: StepContext,
  tuning: WaitTuning = {},
): Promise<RunEnd> {
  const fallbackMs = tuning.fallbackMs ?? FALLBACK_MS;
  const log = rt.driver.layout.log(id);
  const sampler = new LogSampler(log);
  const files = new Map<string, Change>([
    [rt.store.recordFile(id), 'state'],
    ...rt.driver.processStateFiles(id).map((f): [string, Change] => [f, 'state']),
    [log, 'log'],
  ]);
  // watching before the first look: a change after it wakes the wait, one before it is seen by the look
  const waker = new FileWaker(files, { signal: ctx?.signal, flood: { kind: 'log', limit: LOG_FLOOD } });
  try {
    let looked = 0;
    let sampled = 0;
    let logWritten = false;
    let logConfig: LogConfig | undefined;
    let changes: ReadonlySet<Change> = STATE;
    for (;;) {
      if (changes.has('log')) logWritten = true;
      const now = Date.now();
      // a watch not in place (a flooding log dropped it, or it failed): changes go unseen, look often
      const lookEvery = waker.watching ? fallbackMs : Math.min(fallbackMs, POLL_MS);
      if (changes.has('state') || now - looked >= lookEvery || ctx?.signal?.aborted) {
        looked = now;
        waker.resume(); // before the look: a change from now on wakes the wait
        const rec = await rt.store.read(id);
        if (!rec || rec.State.RemovalInProgress || rec.State.Dead) return { kind: 'removed' };
        const ours = rec.State.StartedAt === run.startedAt;
        if (!ours && rec.State.Running)
          return { kind: 'superseded', run: { pid: rec.State.Pid, startedAt: rec.State.StartedAt } };
        if (!rec.State.Running) {
          // someone recorded the exit first (stop, a refreshed read), or a run we never saw began and ended:
          // what the record says is all there is to know
          return {
            kind: 'exited',
            exitCode: rec.State.ExitCode,
            finishedAt: rec.State.FinishedAt,
            oomKilled: rec.State.OOMKilled ?? false,
          };
        }
        logConfig = rec.HostConfig.LogConfig;
        const probe = await rt.driver.probeProcess(id);
        // after the probe: an exited process's last output is sampled too
        [sampled, logWritten] = [Date.now(), false];
        await pollLog(rt, id, sampler, logConfig);
        if (probe.kind === 'exited')
          return { kind: 'exited', exitCode: probe.code, finishedAt: probe.at, oomKilled: probe.oomKilled ?? false };
        if (ctx?.signal?.aborted) throw new Error('wait cancelled');
        ctx?.progress?.();
      } else if (logWritten && now - sampled >= LOG_SAMPLE_MS) {
        [sampled, logWritten] = [now, false];
        await pollLog(rt, id, sampler, logConfig);
      }
      // until the next look, or the next sample of a log being written; a log written meanwhile wakes the
      // wait only when no sample is due already
      const nextLook = looked + lookEvery;
      const until = logWritten ? Math.min(nextLook, sampled + LOG_SAMPLE_MS) : nextLook;
      await waker.wait(until - Date.now(), logWritten ? STATE : STATE_OR_LOG);
      changes = waker.take();
    }
  } finally {
    waker.close();
  }
}

/**
 * The monitor's part in the container's log, at each look of the wait and each sample of a log being written:
 * a timestamp sample (one stat; an append when the log grew), and Docker's json-file rotation once the live
 * file has reached max-size (log-index.ts). Never fails the wait: what cannot be done now is tried again at
 * the next look.
 */
async function pollLog(rt: MonitorDeps, id: string, sampler: LogSampler, cfg: LogConfig | undefined): Promise<void> {
  try {
    const size = await sampler.sample();
    const bound = logBound(cfg);
    if (size !== undefined && size >= bound.maxSize) await rt.store.withLock(id, () => sampler.rotate(bound), LOG_LOCK);
  } catch {
    // a full disk or a removed directory: the next look tries again
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
export async function handleRunExit(
  rt: MonitorDeps,
  id: string,
  run: ContainerRun,
  end: Extract<RunEnd, { kind: 'exited' }>,
  ctx?: StepContext,
): Promise<ExitHandled> {
  const gone: ExitHandled = {
    exists: false,
    startedAgain: false,
    autoRemove: false,
    policy: { Name: 'no', MaximumRetryCount: 0 },
    manuallyStopped: true,
    ranMs: 0,
    leftovers: [],
  };
  if (!(await rt.store.read(id))) return gone;
  // Under the claim lock, as Docker's exit handler holds the container lock: a start cannot claim the
  // container while its last run is cleaned up, and a start that claimed it first keeps what it adopts.
  return rt.store.withLock(
    id,
    async () => {
      const rec = await rt.store.read(id);
      if (!rec) return gone;
      if (rec.State.StartedAt === run.startedAt)
        await rt.records.markExited(rec, end.exitCode, end.finishedAt, end.oomKilled);
      const claim = rec.StartingBy;
      const ownClaim =
        claim !== undefined && claim.workflowId === run.startedBy?.workflowId && claim.runId === run.startedBy.runId;
      const startedAgain = (claim !== undefined && !ownClaim) || rec.State.StartedAt !== run.startedAt;
      const leftovers = startedAgain ? [] : await rt.releaseAll(id, ctx);
      // the record as it is now, leftovers noted on it; rm may have removed it meanwhile
      const after = await (startedAgain
        ? rt.store.read(id)
        : rt.records.recordLeftovers(id, leftovers).catch(() => rt.store.read(id)));
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
    },
    CLAIM_LOCK,
  );
}
