import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  proxyLocalActivities,
  TimeoutFailure,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { ContainerError, Messages } from '../common/errors';
import { matchContainer } from '../common/lookup';
import {
  HOST_PICKUP_TIMEOUT_S,
  hostTaskQueue,
  pickHost,
  type HostStatus,
  type HostView,
  type LocatedHere,
} from '../common/hosts-api';
import type { ClaimedHere, ContainerSnapshot } from '../common/start-api';
import type { ContainerRecord } from '../common/types';
import { fast, fastLocal } from './options';
import { stepSummary } from './step-summaries';

/**
 * Routing to hosts (common/hosts-api.ts): where a container lives, the proxies of one host's activities, and
 * placement. Every workflow here runs on the shared task queue; what touches a host runs on its host queue.
 */

/** The failures made by hostFailure, with the host each says is gone. */
const goneHosts = new WeakMap<object, string>();

/**
 * The failure of a host activity that no worker picked up in time: the host is gone, and the error says which.
 * An ApplicationFailure (non-retryable), so one that no caller handles fails its workflow with HostUnavailable
 * rather than its workflow task, again and again (a plain Error thrown from workflow code does that).
 */
function hostFailure(err: unknown, host: string, activity: string): unknown {
  if (
    err instanceof ActivityFailure &&
    err.cause instanceof TimeoutFailure &&
    err.cause.timeoutType === 'SCHEDULE_TO_START'
  ) {
    const failure = ApplicationFailure.create({
      type: 'HostUnavailable',
      nonRetryable: true,
      message: `host ${host} is unavailable: no worker took its ${activity} step within ${HOST_PICKUP_TIMEOUT_S}s (is the worker with CONTAINER_SAGA_HOST=${host} running?)`,
      cause: err,
    });
    goneHosts.set(failure, host);
    return failure;
  }
  return err;
}

/** The host a failure says is gone (one of its steps was not picked up in time: hostFailure), else undefined. */
export function goneHost(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? goneHosts.get(err) : undefined;
}

/**
 * Whether an error is HostUnavailable: a host gone (hostFailure), refused by placement, or a step refused by another
 * host's worker.
 */
export function isHostUnavailable(err: unknown): boolean {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return (cause instanceof ContainerError || cause instanceof ApplicationFailure) && cause.type === 'HostUnavailable';
}

export interface OnHostOptions {
  /**
   * Wait for the host however long it is away (no schedule-to-start bound): the monitor's watch, which must
   * go on when the host's worker comes back rather than give up on its container.
   */
  waitForHost?: boolean;
}

/**
 * The activities of one host, on its host queue: a step its host's worker does not take in time fails HostUnavailable.
 */
export function onHost(host: string, options: ActivityOptions, opts: OnHostOptions = {}): Activities {
  const proxy = proxyActivities<Activities>({
    ...options,
    taskQueue: hostTaskQueue(workflowInfo().taskQueue, host),
    ...(opts.waitForHost ? {} : { scheduleToStartTimeout: `${HOST_PICKUP_TIMEOUT_S}s` }),
  });
  return new Proxy({} as Activities, {
    get: (_, name) => {
      if (typeof name !== 'string') return undefined;
      const activity = proxy[name as keyof Activities] as (input?: unknown) => Promise<unknown>;
      return (input?: unknown) => activity(input).catch((err: unknown) => Promise.reject(hostFailure(err, host, name)));
    },
  });
}

/** Activities that touch no host: the registry's view, on the shared queue (any worker answers). */
const shared = proxyActivities<Activities>(fast);
/**
 * `locateHere` on the worker that runs the workflow task (the start saga): no round trip when the container is
 * its host's. Its summary is the lookup step's in the Web UI's timeline ("look up web").
 */
const here = (ref: string) =>
  proxyLocalActivities<Activities>({ ...fastLocal, summary: stepSummary('locateHere', { name: ref }) });

/**
 * The start's first look with its checks and claim (activities `claimHere`), on the worker that runs the
 * workflow task; its summary names each of its steps in the Web UI's timeline.
 */
export function claimHere(ref: string): Promise<ClaimedHere> {
  return proxyLocalActivities<Activities>({ ...fastLocal, summary: stepSummary('claimHere', { name: ref }) }).claimHere(
    { container: ref },
  );
}

/** The registered hosts with their liveness (activities/hosts.ts liveHosts). */
export function hostViews(): Promise<HostView[]> {
  return shared.liveHosts();
}

/** The live hosts' names, in the registry's order (by name). */
export async function liveHostNames(): Promise<string[]> {
  return (await hostViews()).filter((h) => h.live).map((h) => h.name);
}

export interface Located {
  host: string;
  id: string;
  name: string;
  /** the host of the worker that ran the workflow task where the lookup began (recorded: replays agree) */
  lookedUpOn: string;
  /** the container's snapshot, when the first look found it (`firstHere` asks for it) */
  snapshot?: ContainerSnapshot;
}

/**
 * Docker's daemon.Get across hosts: one host looks first (a full ID or an exact name found there is the
 * answer); otherwise every other live host looks too, and the best match wins (full ID, then exact name, then
 * a prefix unique across all hosts). Throws NoSuchContainer (404) or AmbiguousContainer (400) with Docker's
 * messages; HostUnavailable (503) instead of NoSuchContainer when a live host did not answer (the container
 * may be one of its own: a start of it must say the host is gone, not that the container does not exist).
 * The first look is a local activity with `firstHere` (the start saga: no round trip, and it learns
 * whether its worker is the owner), else an activity of the shared queue (whichever worker takes it): the
 * reads workflow keeps its workflow tasks short (workflows/reads.ts says why).
 */
export async function locate(ref: string, opts: { firstHere?: boolean; first?: LocatedHere } = {}): Promise<Located> {
  const first =
    opts.first ??
    (await (opts.firstHere
      ? here(ref).locateHere({ container: ref, withSnapshot: true })
      : shared.locateHere({ container: ref })));
  const done = (m: NonNullable<LocatedHere['match']>, host: string): Located => ({
    host,
    id: m.id,
    name: m.name,
    lookedUpOn: first.host,
  });
  if (first.match && first.match.by !== 'prefix')
    return { ...done(first.match, first.host), ...(first.snapshot ? { snapshot: first.snapshot } : {}) };
  const others = (await liveHostNames()).filter((h) => h !== first.host);
  const answers = await Promise.all(
    others.map(
      (h): Promise<LocatedHere & { unanswered?: true }> =>
        onHost(h, fast)
          .locateHere({ container: ref })
          // a host that goes away meanwhile cannot hold the answer; one that finds the prefix ambiguous does
          .catch((err: unknown): LocatedHere & { unanswered?: true } => {
            if (isHostUnavailable(err)) return { host: h, unanswered: true };
            throw err;
          }),
    ),
  );
  // every host's own answer, looked up once more as one store: the best match across hosts wins
  const found = [first, ...answers].flatMap((a) =>
    a.match ? [{ Id: a.match.id, Name: `/${a.match.name}`, host: a.host, match: a.match }] : [],
  );
  const best = matchContainer(found, ref);
  if (!best) {
    // Not found on the hosts that answered: on one that did not, it may well be (a host whose worker is gone)
    const unanswered = answers.filter((a) => a.unanswered).map((a) => a.host);
    if (unanswered.length > 0) {
      throw new ContainerError(
        'HostUnavailable',
        `${Messages.noSuchContainer(ref)} on the hosts that answered; host${unanswered.length > 1 ? 's' : ''} ${unanswered.join(', ')} did not answer within ${HOST_PICKUP_TIMEOUT_S}s (is the worker with CONTAINER_SAGA_HOST=${unanswered[0]} running?)`,
      );
    }
    throw new ContainerError('NoSuchContainer', Messages.noSuchContainer(ref));
  }
  // names are unique across hosts, unless two creates raced on two hosts
  const named = best.by === 'name' ? found.filter((f) => f.Name === best.found.Name) : [best.found];
  if (named.length > 1)
    throw new ContainerError(
      'AmbiguousContainer',
      `Multiple containers named ${ref} on hosts ${named.map((t) => t.host).join(', ')}`,
    );
  return done(best.found.match, best.found.host);
}

/**
 * An inspect's lookup: locate(), whose first look also brings the container's view when it is surely
 * there (a full ID or an exact name found by the shared queue's worker), so the inspect needs no second
 * activity; otherwise where it is, for the owner's inspect activity.
 */
export async function locateForInspect(ref: string): Promise<{ view: ContainerRecord } | { at: Located }> {
  const first = await shared.locateHere({ container: ref, withView: true });
  return first.view ? { view: first.view } : { at: await locate(ref, { first }) };
}

/**
 * Each live host's own report (counts; with an image, whether it has it): hosts that do not answer in time are left
 * out.
 */
export async function hostStatuses(hosts: readonly string[], image?: string): Promise<HostStatus[]> {
  const answers = await Promise.all(
    hosts.map((h) =>
      onHost(h, fast)
        .hostStatus(image === undefined ? {} : { image })
        .catch((err: unknown) => {
          if (isHostUnavailable(err)) return undefined;
          throw err;
        }),
    ),
  );
  return answers.filter((a): a is HostStatus => a !== undefined);
}

/**
 * Where a new container goes: the pinned host (it must be registered and live), the host of the containers
 * it joins (links, `container:X` network or IPC, --volumes-from; all on one host), else pickHost's rule among the live,
 * active hosts that have the image. NoSuchHost (404), HostUnavailable (503) or InvalidParameter (400).
 */
export async function place(opts: { pinned?: string; image: string; joins: readonly string[] }): Promise<string> {
  const views = await hostViews();
  const joined = [...new Set(await Promise.all(opts.joins.map(async (ref) => (await locate(ref)).host)))];
  if (joined.length > 1) {
    throw new ContainerError(
      'InvalidParameter',
      `containers on different hosts cannot be joined: ${opts.joins.join(', ')} are on ${joined.join(', ')}`,
    );
  }
  const wanted = opts.pinned ?? joined[0];
  if (wanted !== undefined) {
    if (opts.pinned !== undefined && joined[0] !== undefined && joined[0] !== opts.pinned) {
      throw new ContainerError(
        'InvalidParameter',
        `cannot join ${opts.joins.join(', ')} on host ${joined[0]} from a container on host ${opts.pinned}: links, --network container:, --ipc container: and --volumes-from stay on one host`,
      );
    }
    const view = views.find((h) => h.name === wanted);
    if (!view) throw new ContainerError('NoSuchHost', `No such host: ${wanted}`);
    if (!view.live)
      throw new ContainerError(
        'HostUnavailable',
        `host ${wanted} is unavailable: no worker has polled its queue recently`,
      );
    if (opts.pinned !== undefined && view.availability === 'drain') {
      throw new ContainerError(
        'HostUnavailable',
        `host ${wanted} is drained: it takes no new containers (container-saga host activate ${wanted})`,
      );
    }
    return wanted;
  }
  const candidates = views.filter((h) => h.live && h.availability === 'active').map((h) => h.name);
  if (candidates.length === 0)
    throw new ContainerError(
      'HostUnavailable',
      'no live, active host can take a container (see `container-saga host ls`)',
    );
  const statuses = await hostStatuses(candidates, opts.image);
  const chosen = pickHost(statuses);
  if (!chosen) {
    if (statuses.length > 0 && statuses.every((s) => s.hasImage === false))
      throw new ContainerError('NoSuchImage', Messages.noSuchImage(opts.image));
    throw new ContainerError(
      'HostUnavailable',
      'no live, active host can take a container (see `container-saga host ls`)',
    );
  }
  return chosen.name;
}
