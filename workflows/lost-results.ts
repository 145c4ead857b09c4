import { CancellationScope } from '@temporalio/workflow';
import type { ContainerSnapshot, ContainerStartResult } from '../common/start-api';
import { compensate, everyRelease, releaseClaim, showFailure } from './compensate';
import type { StartActivities } from './start-activities';
import type { StartRun } from './start-run';

/**
 * A workflow task whose attempt failed after its local activities ran (a cancellation, signal or update that
 * arrived during it made the server reject its completion; its worker died) loses their results: the next
 * attempt replays without them, while their side effects stand. So a start settles by what its host records,
 * where its own view may be short (docs/design.md, "Lost local-activity results").
 */

/** The container as its host records it now, and the activities that reach that host. */
export interface HostView {
  acts: StartActivities;
  snap: ContainerSnapshot;
}

/**
 * This run marked the container running already, in an attempt whose results were lost: the start had
 * succeeded, and succeeds. Mark-running (the hand-off to the monitor, the claim's release) is done again
 * while the claim is still this run's, since the lost attempt may have stopped inside it; it is idempotent.
 */
export async function adopt(
  run: StartRun,
  { acts, snap }: HostView,
  note = 'started by an attempt of its task whose results were lost',
): Promise<ContainerStartResult> {
  if (snap.claimedByThisRun) {
    if (snap.running && snap.pid) {
      const pid = snap.pid;
      await run.step('mark-running', () => acts.quick.markRunning({ id: snap.id, pid, releaseClaim: true }));
    } else await releaseClaim(run, acts, snap.id);
  }
  run.claimReleased = true;
  if (snap.ipAddress) run.record.ipAddress = snap.ipAddress;
  return run.running(snap.pid ?? 0, note);
}

/**
 * A cancelled start, settled by its host's record: started by this run → adopted (it succeeded before the
 * cancellation reached it); claimed by this run → every release the container needs (not only those this
 * run saw pushed), the failure recorded, the claim released; neither → nothing of this run's is held. Runs
 * whole whatever else is cancelled. When the host cannot be read (the container is gone, or its host), it
 * ends as `unread` says. Resolves with an adopted start's result; otherwise throws the cancellation.
 */
export function settleCancelled(
  run: StartRun,
  err: unknown,
  view: () => Promise<HostView>,
  unread: () => Promise<never>,
): Promise<ContainerStartResult> {
  return CancellationScope.nonCancellable(async () => {
    let at: HostView;
    try {
      at = await view();
    } catch {
      return unread();
    }
    if (at.snap.startedByThisRun) return adopt(run, at, 'it had started before the cancellation reached it');
    if (!at.snap.claimedByThisRun) {
      showFailure(run, err);
      return run.fail(err);
    }
    try {
      await compensate(run, at.acts, everyRelease(at.acts, at.snap), err, at.snap.autoRemove);
    } finally {
      await releaseClaim(run, at.acts, at.snap.id);
      run.claimReleased = true;
    }
    throw run.compensated(err);
  });
}
