import { patched, type ActivityOptions } from '@temporalio/workflow';
import { ContainerError } from '../common/errors';
import type { HostRow } from '../common/hosts-api';
import type {
  CreateInput,
  CreateResult,
  EventsInput,
  EventsResult,
  GcResult,
  ImageImportInput,
  ImageImportResult,
  ImageListResult,
  InspectInput,
  InspectResult,
  ListInput,
  ListResult,
  LogsInput,
  LogsResult,
  RemoveInput,
  RemoveResult,
  StopInput,
  StopResultRecord,
  WaitInput,
  WaitResult,
} from '../common/ops-api';
import type { ExecOutputInput, ExecOutputResult } from '../common/verbs-api';
import {
  hostStatuses,
  hostViews,
  isHostUnavailable,
  liveHostNames,
  locate,
  locateForInspect,
  onHost,
  place,
} from './host-routing';
import { detailOf } from './failures';
import { fast, lifecycle } from './options';
import { Patches } from './patches';
import { bareName, isFullId } from '../common/names';

/**
 * The verbs across hosts: each finds its container's host and runs its activity there,
 * with the ref as the user gave it (Docker's messages name it; the host resolves it to the same container);
 * the listings ask every live host and merge. Used by the verbs' own workflows (ops.ts, verbs.ts,
 * lifecycle.ts) and by the reads workflow, so both answer alike.
 */

/** A host that does not answer in time is left out of a listing (`host ls` shows it as down). */
function unlessGone<T>(fallback: T): (err: unknown) => T {
  return (err) => {
    if (isHostUnavailable(err)) return fallback;
    throw err;
  };
}

/** Every live host's answer, in host-name order, hosts gone meanwhile left out. */
export async function onEveryHost<T>(
  options: ActivityOptions,
  ask: (acts: ReturnType<typeof onHost>, host: string) => Promise<T>,
): Promise<Array<{ host: string; answer: T }>> {
  const hosts = (await liveHostNames()).sort();
  const answers = await Promise.all(
    hosts.map((h) => ask(onHost(h, options), h).then((answer) => ({ host: h, answer }), unlessGone(undefined))),
  );
  return answers.filter((a): a is { host: string; answer: T } => a !== undefined);
}

/** A host named by the user must be registered (NoSuchHost, 404), not waited for. */
export async function registered(host: string): Promise<void> {
  if (!(await hostViews()).some((h) => h.name === host))
    throw new ContainerError('NoSuchHost', `No such host: ${host}`);
}

/** The containers a create joins: link targets, `container:X` network and IPC modes, --volumes-from sources. */
function joinsOf(input: CreateInput): string[] {
  const hc = input.request.hostConfig;
  const joins = (hc?.Links ?? []).map((l) => bareName(l.split(':')[0]!));
  // the host checks the spec (parseVolumesFrom); an empty one is its 400, not placement's
  for (const v of hc?.VolumesFrom ?? []) if (v.split(':')[0]) joins.push(v.split(':')[0]!);
  for (const mode of [hc?.NetworkMode, hc?.IpcMode])
    if (mode?.startsWith('container:')) joins.push(mode.slice('container:'.length));
  return joins;
}

export async function create(input: CreateInput): Promise<CreateResult & { host: string }> {
  const host = await place({ pinned: input.host, image: input.request.image, joins: joinsOf(input) });
  // Names are unique across hosts: the create on one host checks its own records, locate all the others'.
  const name = input.request.name === undefined ? undefined : bareName(input.request.name);
  if (name) {
    // (a host that does not answer cannot be asked: its names are not checked, as those of a host no longer live)
    const other = await locate(name).catch((err: unknown) => {
      if (
        err instanceof ContainerError &&
        (err.type === 'NoSuchContainer' || err.type === 'AmbiguousContainer' || err.type === 'HostUnavailable')
      )
        return undefined;
      throw err;
    });
    if (other && other.name === name) {
      throw new ContainerError(
        'Conflict',
        `Conflict. The container name "/${name}" is already in use by container "${other.id}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
  }
  const created = await onHost(host, fast)
    .createContainer({ request: input.request })
    .catch(async (err: unknown) => {
      if (detailOf(err).type === 'NoSuchNetwork' && patched(Patches.createNetworkElsewhere))
        await refuseNetworkElsewhere(input, host);
      throw err;
    });
  return { ...created, host };
}

/**
 * Networks are per host: a create placed on a host without its user network, that another host has, is a 400
 * naming that host (else the host's 404 stands).
 */
async function refuseNetworkElsewhere(input: CreateInput, host: string): Promise<void> {
  const mode = input.request.hostConfig?.NetworkMode ?? '';
  const refs = [...new Set([mode, ...Object.keys(input.request.endpoints ?? {})])].filter(
    (r) => r && !['bridge', 'default', 'host', 'none'].includes(r) && !r.startsWith('container:'),
  );
  const named = (n: { Name: string; Id: string }, r: string) => n.Name === r || n.Id === r;
  const elsewhere = (await onEveryHost(fast, (acts) => acts.listNetworks())).filter(
    (a) => a.host !== host && refs.some((r) => a.answer.some((n) => named(n, r))),
  );
  if (elsewhere.length === 0) return;
  const where = elsewhere.map((a) => a.host).join(', ');
  throw new ContainerError(
    'InvalidParameter',
    `network ${refs.join(', ')} is on host ${where}, not on host ${host} where the container was placed: networks are per host (pin the container with --host ${elsewhere[0]!.host}, or create the network without --host)`,
  );
}

export async function inspect(input: InspectInput): Promise<InspectResult> {
  // the first look brings the view when the container is surely there: one activity
  const found = await locateForInspect(input.container);
  if ('view' in found) return found.view;
  return onHost(found.at.host, fast).inspectContainer(input);
}

export async function list(input: ListInput): Promise<ListResult> {
  const all = await onEveryHost(fast, (acts) => acts.listContainers(input));
  return all.flatMap((a) => a.answer).sort((a, b) => b.Created.localeCompare(a.Created));
}

/**
 * Events are each host's own log with its own cursor: `host` names one; without it, the only live host (or,
 * with several, the first by name; docs/hosts.md says so).
 */
export async function events(input: EventsInput): Promise<EventsResult> {
  if (input.host) await registered(input.host);
  const host = input.host ?? (await liveHostNames()).sort()[0];
  if (!host) throw new ContainerError('HostUnavailable', 'no live host to read events from');
  const { host: _host, ...rest } = input;
  return onHost(host, fast).readEvents(rest);
}

/**
 * `onOwner` on the container's host. A container already removed (AutoRemove) is not found there: by full ID,
 * `afterRemoval` asks every live host, and the first that answers (the one that recorded it) wins; otherwise
 * the lookup's NoSuchContainer stands.
 */
async function onOwnerOrWhereRemoved<T>(
  ref: string,
  onOwner: (host: string) => Promise<T>,
  afterRemoval?: (acts: ReturnType<typeof onHost>) => Promise<T | undefined>,
): Promise<T> {
  let at: Awaited<ReturnType<typeof locate>>;
  try {
    at = await locate(ref);
  } catch (err) {
    if (!(afterRemoval && err instanceof ContainerError && err.type === 'NoSuchContainer' && isFullId(ref))) throw err;
    for (const { answer } of await onEveryHost(fast, (acts) => afterRemoval(acts).catch(() => undefined)))
      if (answer) return answer;
    throw err;
  }
  return onOwner(at.host);
}

/** A container's output; by full ID, a removed container's last output is still on its host. */
export function logs(input: LogsInput): Promise<LogsResult> {
  return onOwnerOrWhereRemoved(
    input.container,
    (host) => onHost(host, fast).readLogs(input),
    (acts) => acts.readLogs(input),
  );
}

export async function stop(input: StopInput): Promise<StopResultRecord> {
  const at = await locate(input.container);
  const acts = onHost(at.host, lifecycle);
  const cancelledStart = await acts.cancelStart({ id: at.id });
  const stopped = await acts.stopContainer({ id: at.id, timeoutSeconds: input.timeoutSeconds });
  return { containerId: at.id, name: at.name, ...stopped, cancelledStart };
}

export async function remove(input: RemoveInput): Promise<RemoveResult> {
  const at = await locate(input.container);
  const acts = onHost(at.host, lifecycle);
  const cancelledStart = await acts.cancelStart({ id: at.id });
  await acts.removeContainer({ id: at.id, force: input.force, ...(input.volumes ? { volumes: true } : {}) });
  return { containerId: at.id, name: at.name, cancelledStart };
}

/** gc of one host (its worker's start-up reconcile), else of every live host. */
export async function gc(input: { host?: string }): Promise<GcResult> {
  if (input.host) return onHost(input.host, lifecycle).collectGarbage();
  const all = await onEveryHost(lifecycle, (acts) => acts.collectGarbage());
  return { released: all.flatMap((a) => a.answer.released), failed: all.flatMap((a) => a.answer.failed) };
}

/** Monitors restored on one host, else on every live host. */
export async function restore(input: { host?: string }): Promise<string[]> {
  if (input.host) return onHost(input.host, lifecycle).restoreMonitors();
  return (await onEveryHost(lifecycle, (acts) => acts.restoreMonitors())).flatMap((a) => a.answer);
}

/** `image import` on one host, else on every live host (each reads the source on its own machine). */
export async function imageImport(input: ImageImportInput): Promise<ImageImportResult> {
  const { host, ...rest } = input;
  if (host) {
    await registered(host);
    return { ...(await onHost(host, lifecycle).importImage(rest)), hosts: [host] };
  }
  const all = await onEveryHost(lifecycle, (acts) => acts.importImage(rest));
  if (all.length === 0) throw new ContainerError('HostUnavailable', 'no live host to import the image on');
  return { ...all[0]!.answer, hosts: all.map((a) => a.host) };
}

/**
 * Every live host's images, each ID once with the hosts that have it (a pulled image has one ID everywhere; an
 * image imported on two hosts is two images) and the tags any of them gives it.
 */
export async function imageList(): Promise<ImageListResult> {
  const byId = new Map<string, ImageListResult[number] & { hosts: string[] }>();
  for (const { host, answer } of await onEveryHost(fast, (acts) => acts.listImages())) {
    for (const img of answer) {
      const seen = byId.get(img.id);
      if (!seen) {
        byId.set(img.id, { ...img, hosts: [host] });
        continue;
      }
      seen.hosts.push(host);
      seen.repoTags = [...new Set([...seen.repoTags, ...img.repoTags])].sort();
      seen.repoDigests = [...new Set([...seen.repoDigests, ...img.repoDigests])].sort();
    }
  }
  return [...byId.values()];
}

export async function execOutput(input: ExecOutputInput): Promise<ExecOutputResult> {
  const at = await locate(input.container);
  return onHost(at.host, fast).readExecOutput(input);
}

/** docker wait: on the container's host, however long that host is away (the wait outlives it, as Docker's). */
export function wait(input: WaitInput, options: ActivityOptions): Promise<WaitResult> {
  // waiting for the removal of a container already removed: the host that recorded its exit answers
  return onOwnerOrWhereRemoved(
    input.container,
    (host) => onHost(host, options, { waitForHost: true }).waitContainer(input),
    input.condition === 'removed' ? (acts) => acts.waitContainer(input) : undefined,
  );
}

/** `host ls`: every registered host, with its own counts when it is live. */
export async function hosts(): Promise<HostRow[]> {
  const views = await hostViews();
  const statuses = await hostStatuses(views.filter((v) => v.live).map((v) => v.name));
  return views.map((v) => {
    const status = statuses.find((s) => s.name === v.name);
    return status ? { ...v, status } : v;
  });
}
