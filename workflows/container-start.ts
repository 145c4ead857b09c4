import { CancellationScope, isCancellation, upsertSearchAttributes } from '@temporalio/workflow';
import { daemonEnv, linkEnv, linkHostsEntries, type LinkTarget } from '../common/env';
import { ContainerError, Messages } from '../common/errors';
import { defaultNetMode } from '../common/net-mode';
import { containerAttributes } from '../common/search-attributes';
import {
  notStartable,
  type ClaimedHere,
  type ContainerSnapshot,
  type ContainerStartInput,
  type ContainerStartResult,
} from '../common/start-api';
import { hostStep, stepsOfPhase, type HostStepEntry, type RefusingStep } from '../common/steps';
import { compensate, releaseClaim, showFailure } from './compensate';
import { checkInput } from './failures';
import { claimHere, locate } from './host-routing';
import { adopt, settleCancelled, type HostView } from './lost-results';
import { Saga } from './saga';
import {
  acquireActivity,
  releaseActivity,
  startActivities,
  type StartActivities,
  type StartPlacement,
} from './start-activities';
import { StartRun } from './start-run';

export { progressQuery } from './start-run';

/**
 * Docker's ContainerStart as a saga (docs/design.md has the step table). It reads as the seed does:
 * checks (no side effects: an error leaves the container as it was), the claim (the container lock), then
 * under the claim prepare → configure → run, each host step pushing its compensation before it runs. A
 * failure records the error, runs the compensations in reverse in a non-cancellable scope, then emits `die`;
 * the caller sees the original Docker error with this run's record as its first detail. A cancellation is
 * settled by what the host records this run holds (lost-results.ts).
 */
export async function containerStart(input: ContainerStartInput): Promise<ContainerStartResult> {
  checkInput('containerStart', input);
  const run = new StartRun(input.container);

  let acts: StartActivities | undefined;
  let found: ContainerSnapshot | undefined;
  // what the first look's checks and claim answered, when the container was surely here
  let firstLook: ClaimedHere['claim'];
  // What a cancelled start settles by (lost-results.ts): its container read again, or looked up again.
  const hostView = async (): Promise<HostView> => {
    if (acts && found) return { acts, snap: await acts.quick.lookupContainer({ container: found.id }) };
    const again = await lookup(run, input.container, false);
    return { acts: startActivities({ name: again.snap.name, snap: again.snap }, again.placement), snap: again.snap };
  };
  try {
    // a legacy hostConfig at start is applied between the checks, so it keeps them apart
    const first = await lookup(run, input.container, !input.hostConfig);
    found = first.snap;
    firstLook = first.claim;
    acts = startActivities({ name: found.name, snap: found }, first.placement);
    // an attempt of this workflow task whose results were lost started it already
    if (found.startedByThisRun) return await adopt(run, { acts, snap: found });
    if (firstLook) await checkedByFirstLook(run, firstLook);
    else await checkApart(run, acts, found, input);
  } catch (err) {
    return await failBeforeClaim(run, err, hostView);
  }
  const known: HostView = { acts, snap: found };
  // From the claim on, the claim is released whatever happens: by mark-running itself when the start succeeds.
  try {
    let snap: ContainerSnapshot;
    try {
      const taken = firstLook;
      snap = await claim(
        run,
        taken ? async () => claimedByFirstLook(taken) : () => known.acts.quick.claimStart({ id: known.snap.id }),
      );
      // another start got there between our check and the claim: the same answer as the check's
      if (snap.running) throw notStartable(snap);
    } catch (err) {
      return await failBeforeClaim(run, err, hostView);
    }
    return await startClaimed(run, known.acts, snap, hostView);
  } finally {
    if (!run.claimReleased) await releaseClaim(run, known.acts, known.snap.id);
  }
}

/**
 * lookup (daemon.Get): full ID, exact name, unique ID prefix, across hosts: the host is found first (locate),
 * then the record is read there, by the ID found. The record steps stay local activities when that host is the
 * one whose worker looked; with `claimFirst` that first look also checks and claims (claimHere) when the
 * container is surely here.
 */
async function lookup(
  run: StartRun,
  ref: string,
  claimFirst: boolean,
): Promise<{ snap: ContainerSnapshot; placement: StartPlacement; claim?: ClaimedHere['claim'] }> {
  const { c, placement, claim } = await run.step('lookup', async () => {
    const first = claimFirst ? await claimHere(ref) : undefined;
    const at = await locate(ref, first ? { first: first.located } : { firstHere: true });
    const placement: StartPlacement = { host: at.host, ownerLooksUp: at.host === at.lookedUpOn };
    // found here, the snapshot came with it; found on another host, it is read there
    const c =
      at.snapshot ?? (await startActivities({ name: ref }, placement).quick.lookupContainer({ container: at.id }));
    return { c, placement, claim: first?.claim };
  });
  run.record.host = placement.host;
  run.identify(c);
  upsertSearchAttributes(containerAttributes({ id: c.id, name: c.name }));
  return { snap: c, placement, ...(claim ? { claim } : {}) };
}

/**
 * The start ends before any side effect of its own view (checks, claim): the failure shown, then the error as
 * it is. A cancellation is settled by the host's record first (lost-results.ts): an attempt of this workflow
 * task whose results were lost may have claimed, or even started, the container.
 */
async function failBeforeClaim(
  run: StartRun,
  err: unknown,
  view: () => Promise<HostView>,
): Promise<ContainerStartResult> {
  const unread = async (): Promise<never> => {
    showFailure(run, err);
    return run.fail(err);
  };
  if (isCancellation(err)) return settleCancelled(run, err, view, unread);
  return unread();
}

/** check-state, host-config (legacy hostConfig at start), verify-settings: nothing changes on the host. */
async function checkApart(
  run: StartRun,
  acts: StartActivities,
  c: ContainerSnapshot,
  input: ContainerStartInput,
): Promise<void> {
  await run.step('check-state', async () => {
    const err = notStartable(c);
    if (err) throw err;
  });
  const hostConfig = input.hostConfig;
  if (hostConfig) {
    await run.step('host-config', async () => {
      if ((await acts.quick.hostInfo()).os === 'windows')
        throw new ContainerError('HostConfigStart', Messages.hostConfigStart);
      await acts.quick.setHostConfig({ id: c.id, hostConfig });
    });
  }
  await run.step('verify-settings', () => acts.quick.verifySettings({ id: c.id }));
}

/**
 * check-state and verify-settings as the first look ran them (claimHere): each step fails as it does on its
 * own when the first look refused there.
 */
async function checkedByFirstLook(run: StartRun, firstLook: FirstLook): Promise<void> {
  await run.step('check-state', async () => refusedAt(firstLook, 'check-state'));
  await run.step('verify-settings', async () => refusedAt(firstLook, 'verify-settings'));
}

type FirstLook = NonNullable<ClaimedHere['claim']>;

/** Throws the first look's refusal as the step's own error when it refused at `step`. */
function refusedAt(firstLook: FirstLook, step: RefusingStep): void {
  if ('refused' in firstLook && firstLook.refused.step === step)
    throw new ContainerError(firstLook.refused.error.type, firstLook.refused.error.message);
}

/** The snapshot the first look claimed, or its refusal at the claim. */
function claimedByFirstLook(firstLook: FirstLook): ContainerSnapshot {
  refusedAt(firstLook, 'claim');
  // an earlier refusal failed its own step before the claim was reached
  if ('refused' in firstLook)
    throw new ContainerError('Internal', `the first look refused at ${firstLook.refused.step}, not at the claim`);
  return firstLook.claimed;
}

/** claim: the container lock Docker takes in containerStart (taken by `take`); re-checks removal under it. */
async function claim(run: StartRun, take: () => Promise<ContainerSnapshot>): Promise<ContainerSnapshot> {
  const claimed = await run.step('claim', take);
  if (claimed.removing) throw new ContainerError('ContainerBeingRemoved', Messages.beingRemoved);
  return claimed;
}

/**
 * Under the claim: prepare, configure, run; on any failure, compensate what was pushed. A cancellation is
 * settled by the host's record first (lost-results.ts).
 */
async function startClaimed(
  run: StartRun,
  acts: StartActivities,
  snap: ContainerSnapshot,
  view: () => Promise<HostView>,
): Promise<ContainerStartResult> {
  const saga = new Saga();
  try {
    await prepare(run, acts, saga, snap);
    await configure(run, acts, saga, snap);
    const { pid } = (await acquire(run, acts, saga, hostStep('process'), { id: snap.id })) as { pid: number };
    // mark-running releases the claim too: the start's last local activity
    await run.step('mark-running', () => acts.quick.markRunning({ id: snap.id, pid, releaseClaim: true }));
    run.claimReleased = true;
    return run.running(pid);
  } catch (err) {
    const compensated = async (): Promise<never> => {
      await CancellationScope.nonCancellable(() => compensate(run, acts, saga, err, snap.autoRemove));
      throw run.compensated(err);
    };
    if (isCancellation(err)) return settleCancelled(run, err, view, compensated);
    return compensated();
  }
}

/**
 * A host step: its compensation is pushed before it runs, so a step that did its work but lost its report
 * (timeout, crash) is still undone.
 */
function acquire(
  run: StartRun,
  acts: StartActivities,
  saga: Saga,
  step: HostStepEntry,
  req: { id: string },
): Promise<unknown> {
  if ('release' in step) saga.push(step.release, () => releaseActivity(acts, step)({ id: req.id }));
  return run.step(step.name, () => acquireActivity(acts, step)(req));
}

/**
 * prepare: the steps of the table's prepare phase that the container needs, at once. Each acquires
 * a resource of its own named after the container (the overlay rootfs, the netns with its address, the shm
 * tmpfs, the volume sources) and none reads what another makes, so one round trip replaces up to four.
 * Every compensation is pushed before any of them runs; a failure compensates all once all have settled.
 */
async function prepare(run: StartRun, acts: StartActivities, saga: Saga, snap: ContainerSnapshot): Promise<void> {
  // default-net-mode: pure; the network step applies the same default when it reads the record
  await run.step('default-net-mode', async () => defaultNetMode(snap.networkMode));
  const steps = stepsOfPhase('prepare');
  for (const s of steps)
    if (s.needed(snap) && 'release' in s) saga.push(s.release, () => releaseActivity(acts, s)({ id: snap.id }));
  // A step the container does not need is listed done without an activity (nothing to do, nothing to undo).
  const done = await run.stepsAtOnce(
    steps.map(
      (s) => [s.name, () => (s.needed(snap) ? acquireActivity(acts, s)({ id: snap.id }) : Promise.resolve())] as const,
    ),
  );
  run.record.ipAddress = (done.get(hostStep('network').name) as { ipAddress: string }).ipAddress || undefined;
}

/** configure: links, working dir, the process environment, the spec (the table's configure phase). */
async function configure(run: StartRun, acts: StartActivities, saga: Saga, snap: ContainerSnapshot): Promise<void> {
  const links: LinkTarget[] = await run.step('links', async () =>
    snap.links.length > 0 ? acts.quick.linkedContainers({ id: snap.id }) : [],
  );
  const workingDir = hostStep('working-dir');
  // Docker skips it when no working dir is set
  await run.step(workingDir.name, async () => {
    if (workingDir.needed(snap)) await acquireActivity(acts, workingDir)({ id: snap.id });
  });
  const env = await run.step('daemon-env', async () =>
    daemonEnv({
      hostname: snap.hostname,
      tty: snap.tty,
      linkedEnv: links.flatMap((t) => linkEnv(snap.name, t)),
      userEnv: snap.env,
    }),
  );
  await acquire(run, acts, saga, hostStep('spec'), { id: snap.id, env, extraHosts: linkHostsEntries(links) } as {
    id: string;
  });
}
