import { patched } from '@temporalio/workflow';
import { Patches } from '../common/start-api';

/** The start's changes that a run begun from v9 on has without asking for each (all those before v9). */
type ChangeBeforeV9 = Exclude<
  (typeof Patches)[keyof typeof Patches],
  typeof Patches.startV9 | typeof Patches.hostStepsLocal | typeof Patches.claimInOneLook | typeof Patches.monitorState | typeof Patches.createSearchAttributes | typeof Patches.inspectInOneLook | typeof Patches.settleLostResults
>;

/**
 * Which history-altering changes one start run has. Each patched() call of a new run records a marker and an
 * upsert of TemporalChangeVersion (two events and a visibility write): a successful start asked three times
 * before v9. Since v9 (`start-v9`) a new run asks once, first thing, and has every earlier change; a run begun
 * before is told apart by that first answer (false when its history lacks the marker) and asks each change
 * as it did. Asked once per run, so the answer cannot change in the middle of one. v11 (`host-steps-local`)
 * does the same in its turn: a new run asks for it alone and has v9 with it; a v9 run is told apart by its
 * history lacking the v11 marker, and asks for `start-v9` as it did. v12 (`claim-in-one-look`) likewise: a new
 * run asks for it alone; a v11 run's history lacks its marker, so it asks for v11's as it did.
 */
export class StartVersion {
  /** the run began under v12 or later: its first look checks and claims too, when the container is surely here */
  readonly v12: boolean;
  /** the run began under v11 or later: its host steps run as local activities on the owner's worker */
  readonly v11: boolean;
  /** the run began under v9 or later: every earlier change holds, and v9's own */
  readonly v9: boolean;

  constructor() {
    this.v12 = patched(Patches.claimInOneLook);
    this.v11 = this.v12 || patched(Patches.hostStepsLocal);
    this.v9 = this.v11 || patched(Patches.startV9);
  }

  /**
   * Whether the run settles lost local-activity results by its host's record: asked only on the paths that
   * do (an adoption, a cancellation), so a run that takes neither records no marker.
   */
  settlesLostResults(): boolean {
    return patched(Patches.settleLostResults);
  }

  /** Whether the run has an earlier change: a v9 run always, an older run as its history says. */
  has(change: ChangeBeforeV9): boolean {
    return this.v9 || patched(change);
  }
}
