import { upsertSearchAttributes } from '@temporalio/workflow';
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
import { checkInput, surfaced } from './failures';
import * as onHosts from './host-verbs';

/**
 * The workflows behind the CLI's other verbs: each runs one or two activities on the worker that owns the
 * state, so a client anywhere reaches containers only through Temporal. Failures end the workflow with the
 * Docker error type and message at the top level.
 */
export async function containerCreate(input: CreateInput): Promise<CreateResult> {
  checkInput('containerCreate', input);
  // placed on a host: --host, the containers it joins, else the placement rule
  const created = await surfaced(() => onHosts.create(input));
  // The ID exists only now: the client set the name and image at start.
  upsertSearchAttributes(containerAttributes({ id: created.Id }));
  return created;
}

export function containerInspect(input: InspectInput): Promise<InspectResult> {
  checkInput('containerInspect', input);
  return surfaced(() => onHosts.inspect(input));
}

export function containerList(input: ListInput): Promise<ListResult> {
  checkInput('containerList', input);
  return surfaced(() => onHosts.list(input));
}

export function containerEvents(input: EventsInput): Promise<EventsResult> {
  checkInput('containerEvents', input);
  return surfaced(() => onHosts.events(input));
}

export function containerLogs(input: LogsInput): Promise<LogsResult> {
  checkInput('containerLogs', input);
  return surfaced(() => onHosts.logs(input));
}

/** docker stop: a start in flight is cancelled first (it compensates), then the container is stopped. */
export function containerStop(input: StopInput): Promise<StopResultRecord> {
  checkInput('containerStop', input);
  return surfaced(() => onHosts.stop(input));
}

/** docker rm: a start in flight is cancelled first, then the container is removed (running needs force). */
export function containerRemove(input: RemoveInput): Promise<RemoveResult> {
  checkInput('containerRemove', input);
  return surfaced(() => onHosts.remove(input));
}

/**
 * Releases leftovers and orphaned resources (also run by each worker at start-up, like Docker's restore): of
 * one host (`host`, the worker's own), else of every live host.
 */
export function containerGc(input?: HostScopedInput): Promise<GcResult> {
  if (input !== undefined) checkInput('containerGc', input);
  return surfaced(() => onHosts.gc(input ?? {}));
}

export function imageImport(input: ImageImportInput): Promise<ImageImportResult> {
  checkInput('imageImport', input);
  return surfaced(() => onHosts.imageImport(input));
}

export function imageList(): Promise<ImageListResult> {
  return surfaced(() => onHosts.imageList());
}
