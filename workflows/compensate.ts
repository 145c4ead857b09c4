import { CancellationScope, isCancellation, upsertSearchAttributes } from '@temporalio/workflow';
import { ContainerError } from '../common/errors';
import { SearchKeys } from '../common/search-attributes';
import type { ContainerSnapshot } from '../common/start-api';
import { HOST_STEPS, hostStep, releasedFirst, type RecordStepName } from '../common/steps';
import { detailOf, exitCodeFor } from './failures';
import { goneHost, isHostUnavailable } from './host-routing';
import { Saga } from './saga';
import { releaseActivity, type StartActivities } from './start-activities';
import type { StartRun } from './start-run';

/** The failure path's removal of an AutoRemove container, as its record lists it. */
const AUTO_REMOVE: RecordStepName = 'auto-remove';

/**
 * A step of the container's host that no worker took in time means its worker is gone. Every
 * later step sent there would wait the same bound for nothing, so the start stops sending them (run.hostGone):
 * the compensations, the failure's record writes and the claim's release become leftovers, which the host's
 * start-up reconcile releases when its worker comes back (gc releases what no live start owns). The start
 * so fails within one pickup bound of the loss. True once the host is known gone.
 */
export function noteHostGone(run: StartRun, err: unknown): boolean {
  if (run.hostGone) return true;
  const host = goneHost(err);
  if (host === undefined || host !== run.record.host) return false;
  run.hostGone = host;
  return true;
}

/**
 * The claim's release, whatever happens (a failed claim's release changes nothing). A gone host's claim is left
 * to it: a claim whose workflow has ended is taken over by the next start and ignored by gc (the start-up
 * reconcile then releases what the failed start held).
 */
export async function releaseClaim(run: StartRun, acts: StartActivities, id: string): Promise<void> {
  if (run.hostGone) return;
  await CancellationScope.nonCancellable(() => acts.releaseClaim.releaseStart({ id })).catch((err: unknown) => {
    if (noteHostGone(run, err) || isHostUnavailable(err)) return;
    throw err;
  });
}

/**
 * Runs one of the failure path's steps on the container's host, unless that host is known gone (then declined as a
 * leftover).
 */
async function unlessHostGone<T>(run: StartRun, step: () => Promise<T>): Promise<T> {
  if (run.hostGone)
    throw new ContainerError(
      'HostUnavailable',
      `left for host ${run.hostGone}'s start-up reconcile (the host is unavailable)`,
    );
  try {
    return await step();
  } catch (err) {
    noteHostGone(run, err);
    throw err;
  }
}

/**
 * A failed start names its step and Docker error type in visibility (FailedStep, ErrorType: docs/web-ui.md's
 * queries); a cancelled one shows ErrorType `Cancelled`.
 */
export function showFailure(run: StartRun, err: unknown): void {
  upsertSearchAttributes([
    { key: SearchKeys.failedStep, value: run.failedStep },
    { key: SearchKeys.errorType, value: isCancellation(err) ? 'Cancelled' : detailOf(err).type },
  ]);
}

/**
 * Every release the container needs, whether or not this run saw its step begin: what a cancelled run that
 * holds the claim runs, since an attempt of its workflow task whose results were lost may have gone further
 * than its own view (each release is idempotent and succeeds when its step never ran).
 */
export function everyRelease(acts: StartActivities, snap: ContainerSnapshot): Saga {
  const saga = new Saga();
  for (const s of HOST_STEPS)
    if ('release' in s && s.needed(snap)) saga.push(s.release, () => releaseActivity(acts, s)({ id: snap.id }));
  return saga;
}

/**
 * The failure path (Docker's deferred Cleanup): error and state to disk, compensations in reverse, `die`.
 * The state write and the process's release run together, then every other release at once: the process
 * holds everything else, and nothing else needs another release first.
 */
export async function compensate(
  run: StartRun,
  acts: StartActivities,
  saga: Saga,
  err: unknown,
  autoRemove = false,
): Promise<void> {
  showFailure(run, err);
  run.compensating(err);
  const { record } = run;
  const id = record.containerId;
  const exitCode = exitCodeFor(record.error!.type);
  noteHostGone(run, err);
  const stateWritten = unlessHostGone(run, () =>
    acts.undo.markFailed({ id, error: record.error!.message, exitCode }),
  ).then(
    () => undefined,
    (e: unknown) => `state: ${detailOf(e).message}`,
  );
  const onDone = (name: string, error?: unknown) => run.compensationEnded(name, error);
  const around = (_: string, undo: () => Promise<unknown>) => unlessHostGone(run, undo);
  const outcome = await saga.compensateInRounds(releasedFirst, onDone, around);
  const leftover = await stateWritten;
  if (leftover) record.leftovers.push(leftover);
  record.leftovers.push(...outcome.failed.map((f) => `${f.name}: ${detailOf(f.error).message}`));
  // What was released is no longer the container's: the record must not show it.
  if (outcome.ran.includes(hostStep('network').release)) delete record.ipAddress;
  if (outcome.ran.includes(hostStep('process').release)) delete record.pid;
  try {
    await unlessHostGone(run, () => acts.undo.finishFailed({ id, leftovers: record.leftovers, exitCode }));
  } catch (e) {
    record.leftovers.push(`die event: ${detailOf(e).message}`);
  }
  if (autoRemove) await removeAfterFailure(run, acts, id);
}

/**
 * AutoRemove (`run --rm`): a failed start removes the container after its cleanup, as Docker's containerStart
 * does, so nothing waits on a client that may be gone. A removal that fails leaves the container, exited, with
 * the reason among the leftovers.
 */
async function removeAfterFailure(run: StartRun, acts: StartActivities, id: string): Promise<void> {
  try {
    await unlessHostGone(run, () => acts.undo.autoRemove({ id }));
    run.record.compensations.push(AUTO_REMOVE);
  } catch (e) {
    run.record.leftovers.push(`${AUTO_REMOVE}: ${detailOf(e).message}`);
  }
}
