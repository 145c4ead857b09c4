import { patched, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type {
  CreateInput,
  CreateResult,
  EventsInput,
  EventsResult,
  GcResult,
  HostScopedInput,
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
} from '../common/ops-api';
import { containerAttributes } from '../common/search-attributes';
import { Patches } from '../common/start-api';
import { checkInput, surfaced } from './failures';
import * as onHosts from './host-verbs';
import { fast, lifecycle } from './options';
import { bareName } from '../common/names';

/**
 * The workflows behind the CLI's other verbs: each runs one or two activities on the worker that owns the
 * state, so a client anywhere reaches containers only through Temporal. Failures end the workflow with the
 * Docker error type and message at the top level.
 */
const quick = proxyActivities<Activities>(fast);
const slow = proxyActivities<Activities>(lifecycle);

export async function containerCreate(input: CreateInput): Promise<CreateResult> {
  checkInput('containerCreate', input);
  // Since v7 the container is placed on a host (--host, the containers it joins, else the placement rule).
  const hosts = patched(Patches.hosts);
  const created = await surfaced(async () => (hosts ? onHosts.create(input) : quick.createContainer(input)));
  // The ID exists only now: the client set the name and image at start (since v6, `create-search-attributes`).
  if (patched(Patches.createSearchAttributes)) upsertSearchAttributes(containerAttributes({ id: created.Id }));
  return created;
}

export function containerInspect(input: InspectInput): Promise<InspectResult> {
  checkInput('containerInspect', input);
  return surfaced(() => (patched(Patches.hosts) ? onHosts.inspect(input) : quick.inspectContainer(input)));
}

export function containerList(input: ListInput): Promise<ListResult> {
  checkInput('containerList', input);
  return surfaced(() => (patched(Patches.hosts) ? onHosts.list(input) : quick.listContainers(input)));
}

export function containerEvents(input: EventsInput): Promise<EventsResult> {
  checkInput('containerEvents', input);
  return surfaced(() => (patched(Patches.hosts) ? onHosts.events(input) : quick.readEvents(input)));
}

export function containerLogs(input: LogsInput): Promise<LogsResult> {
  checkInput('containerLogs', input);
  return surfaced(() => (patched(Patches.hosts) ? onHosts.logs(input) : quick.readLogs(input)));
}

/** docker stop: a start in flight is cancelled first (it compensates), then the container is stopped. */
export function containerStop(input: StopInput): Promise<StopResultRecord> {
  checkInput('containerStop', input);
  return surfaced(async () => {
    if (patched(Patches.hosts)) return onHosts.stop(input);
    const rec = await quick.inspectContainer({ container: input.container });
    const cancelledStart = await slow.cancelStart({ id: rec.Id });
    const stopped = await slow.stopContainer({ id: rec.Id, timeoutSeconds: input.timeoutSeconds });
    return { containerId: rec.Id, name: bareName(rec.Name), ...stopped, cancelledStart };
  });
}

/** docker rm: a start in flight is cancelled first, then the container is removed (running needs force). */
export function containerRemove(input: RemoveInput): Promise<RemoveResult> {
  checkInput('containerRemove', input);
  return surfaced(async () => {
    if (patched(Patches.hosts)) return onHosts.remove(input);
    const rec = await quick.inspectContainer({ container: input.container });
    const cancelledStart = await slow.cancelStart({ id: rec.Id });
    await slow.removeContainer({ id: rec.Id, force: input.force });
    return { containerId: rec.Id, name: bareName(rec.Name), cancelledStart };
  });
}

/**
 * Releases leftovers and orphaned resources (also run by each worker at start-up, like Docker's restore): of
 * one host (`host`, the worker's own), else of every live host.
 */
export function containerGc(input?: HostScopedInput): Promise<GcResult> {
  if (input !== undefined) checkInput('containerGc', input);
  return surfaced(() => (patched(Patches.hosts) ? onHosts.gc(input ?? {}) : slow.collectGarbage()));
}

export function imageImport(input: ImageImportInput): Promise<ImageImportResult> {
  checkInput('imageImport', input);
  return surfaced(() => (patched(Patches.hosts) ? onHosts.imageImport(input) : slow.importImage(input)));
}

export function imageList(): Promise<ImageListResult> {
  return surfaced(() => (patched(Patches.hosts) ? onHosts.imageList() : quick.listImages()));
}
