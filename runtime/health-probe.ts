import { parseLogLine } from './k8s-file';
import { promises as fs } from 'node:fs';
import { ContainerError } from '../common/errors';
import {
  applyProbeResult,
  goDuration,
  hasHealthcheck,
  healthSchedule,
  HEALTH_OUTPUT_MAX,
  probeCommand,
  startingHealth,
  type HealthLogEntry,
  type HealthStatus,
} from '../common/health';
import type { ContainerRun } from '../common/monitor-api';
import type { ContainerRecord } from '../common/types';
import type { StepContext } from './contract';
import { createExec, runExec, type ExecDeps } from './exec';
import { execPaths } from './exec-layout';

/**
 * One healthcheck probe (moby daemon/health.go cmdProbe + handleProbeResult), run by the monitor's durable
 * schedule: the Test as an exec in the container (the exec machinery of runtime/exec.ts, so `exec_create`,
 * `exec_start` and `exec_die` as Docker's), killed after the timeout, its output capped as Docker's; then the
 * result goes into State.Health under the record's lock, with `health_status` when the status changed.
 */

export interface ProbeInput {
  id: string;
  run: ContainerRun;
  /** chosen by the workflow: a retried probe adopts its exec and counts once */
  execId: string;
}

/** The status after the probe, or `ended` when the run it was for no longer runs (no probe then). */
export type ProbeOutcome = { status: HealthStatus } | { ended: true };

const isRun = (rec: ContainerRecord | undefined, run: ContainerRun) =>
  !!rec && rec.State.Running && rec.State.StartedAt === run.startedAt;

export async function runHealthProbe(rt: ExecDeps, input: ProbeInput, ctx?: StepContext): Promise<ProbeOutcome> {
  const rec = await rt.lookup(input.id).catch((err: unknown) => {
    if (err instanceof ContainerError && err.type === 'NoSuchContainer') return undefined;
    throw err;
  });
  if (!rec || !isRun(rec, input.run)) return { ended: true };
  const hc = rec.Config.Healthcheck;
  const cmd = hasHealthcheck(hc) ? probeCommand(hc.Test) : undefined;
  if (!hc || !cmd) return { status: rec.State.Health?.Status ?? 'starting' };
  const schedule = healthSchedule(hc);
  if (rec.HealthProbeId === input.execId) return { status: rec.State.Health?.Status ?? 'starting' };
  const entry = await probe(rt, input, cmd, schedule.timeoutMs, ctx);
  let status: HealthStatus | undefined;
  let changed = false;
  const updated = await rt.store.update(input.id, (r) => {
    if (!isRun(r, input.run) || r.HealthProbeId === input.execId) return;
    const prev = r.State.Health ?? startingHealth(undefined);
    r.State.Health = applyProbeResult(prev, entry, schedule, r.State.StartedAt);
    r.HealthProbeId = input.execId;
    status = r.State.Health.Status;
    changed = status !== prev.Status;
  });
  if (!status)
    return isRun(updated, input.run) ? { status: updated.State.Health?.Status ?? 'starting' } : { ended: true };
  if (changed) await rt.records.emitEventOnce(input.id, input.execId, 'health_status', { healthStatus: status });
  return { status };
}

/** The exec with its timeout; Docker's result for each way it can go (an exec that cannot run is exit -1). */
async function probe(
  rt: ExecDeps,
  input: ProbeInput,
  cmd: string[],
  timeoutMs: number,
  ctx?: StepContext,
): Promise<HealthLogEntry> {
  const Start = new Date().toISOString();
  const result = (ExitCode: number, Output: string): HealthLogEntry => ({
    Start,
    End: new Date().toISOString(),
    ExitCode,
    Output,
  });
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), timeoutMs);
  const signal = ctx?.signal ? AbortSignal.any([ctx.signal, timeout.signal]) : timeout.signal;
  const paths = execPaths(rt.driver.layout, input.id, input.execId);
  try {
    await createExec(rt, { container: input.id, execId: input.execId, cmd });
    const ran = await runExec(rt, input.id, input.execId, { container: input.id, cmd }, { ...ctx, signal });
    if (ran.error) return result(-1, ran.error);
    return result(ran.exitCode, await output(paths.log));
  } catch (err) {
    if (ctx?.signal?.aborted) throw err; // the activity was cancelled: no result
    if (timeout.signal.aborted) return result(-1, `Health check exceeded timeout (${goDuration(timeoutMs)})`);
    if (err instanceof ContainerError && err.type !== 'Internal') return result(-1, err.message);
    throw err;
  } finally {
    clearTimeout(timer);
    // nobody reads a probe's output files after this
    await fs.rm(paths.dir, { recursive: true, force: true });
  }
}

/** Docker's limitedBuffer over the output as it came (conmon's log): the first 4096 bytes, "..." after more. */
async function output(log: string): Promise<string> {
  const text = await fs.readFile(log, 'utf8').catch(() => '');
  const all = Buffer.from(
    text
      .split('\n')
      .map((line) => parseLogLine(line)?.text ?? '')
      .join(''),
    'utf8',
  );
  if (all.length <= HEALTH_OUTPUT_MAX) return all.toString('utf8');
  return `${all.subarray(0, HEALTH_OUTPUT_MAX).toString('utf8')}...`;
}
