import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { WithWorkflowArgs, Workflow, WorkflowResultType } from '@temporalio/common';
import { ContainerError } from '../common/errors';
import { bareName, lifecycleWorkflowId, PROGRESS_QUERY, startWorkflowId, WorkflowTypes } from '../common/names';
import type { CreateInput, LogsInput, RemoveResult, StopResultRecord } from '../common/ops-api';
import type { ContainerStartResult } from '../common/start-api';
import type { CreateRequest } from '../common/types';
import {
  containerVerbMetadata,
  createMetadata,
  plainMetadata,
  startMetadata,
  type WorkflowMetadata,
} from '../common/workflow-metadata';
// Types only: the workflow functions give starts their argument and result types, and none of their code
// (which runs only in the worker's sandbox) is loaded here. Workflows are still started by registered name.
import type { containerStart } from '../workflows/container-start';
import type { containerWait } from '../workflows/lifecycle';
import type {
  containerCreate,
  containerGc,
  containerRemove,
  containerStop,
  imageImport as imageImportWorkflow,
} from '../workflows/ops';
import type { Session } from './connection';
import { CliError, toCliError } from './errors';
import { read } from './reads';
import { ensureWorker } from './worker-check';
import { pollWhileRunning } from './poll-while-running';

/**
 * The CLI's library: one function per verb, each a workflow run by the worker that owns the containers (a
 * read: an Update of the reads workflow, client/reads.ts), so
 * the CLI never touches a state directory and works the same from any host that reaches Temporal.
 * Nothing here prints: results come back as values, failures as CliError with Docker's type and message.
 */

/**
 * Runs a short workflow `W` (registered as `type`) to completion and returns its result. `input` is
 * `{ args }`, typed by W's parameters (the SDK's own type, so a workflow without parameters takes `{}`).
 */
export async function run<W extends Workflow>(
  s: Session,
  type: string,
  input: WithWorkflowArgs<W, object>,
  opts: { workflowId?: string; meta?: WorkflowMetadata } = {},
): Promise<WorkflowResultType<W>> {
  try {
    await ensureWorker(s);
    return await s.client.workflow.execute<W>(type, {
      taskQueue: s.taskQueue,
      workflowId: opts.workflowId ?? `${kebab(type)}-${randomUUID()}`,
      workflowIdConflictPolicy: 'USE_EXISTING',
      ...input,
      ...opts.meta,
    });
  } catch (err) {
    throw toCliError(err, s.address);
  }
}

/** containerInspect → container-inspect, for workflow IDs that read well in the Web UI. */
function kebab(type: string): string {
  return type.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * The label that pins a container to a host, for clients that can only send labels (`docker create --label
 * container-saga.host=NAME`, compose files): the same as `container-saga create --host NAME`. It stays on the
 * container, as every label a client sends does (Docker's daemon drops none): inspect and `ps --filter
 * label=container-saga.host=NAME` show which containers were pinned, and where.
 */
export const HOST_LABEL = 'container-saga.host';

/**
 * The create workflow's input: the request and the host it is pinned to, `--host` or the label (both naming
 * different hosts is InvalidParameter). Without either, the control plane places the container.
 */
export function createInput(request: CreateRequest, host?: string): CreateInput {
  const label = request.labels?.[HOST_LABEL];
  if (host !== undefined && label !== undefined && label !== host) {
    throw new ContainerError(
      'InvalidParameter',
      `--host ${host} and label ${HOST_LABEL}=${label} name different hosts`,
    );
  }
  const pinned = host ?? label;
  return pinned === undefined ? { request } : { request, host: pinned };
}

/**
 * docker create: the new container's full ID and warnings (on `host`, or the label's, else where placement puts it).
 */
export const createContainer = (s: Session, request: CreateRequest, host?: string) =>
  run<typeof containerCreate>(
    s,
    WorkflowTypes.create,
    { args: [createInput(request, host)] },
    { meta: createMetadata(request) },
  );

// The reads below are Updates of the task queue's reads workflow (client/reads.ts), not workflow runs.

/** docker inspect of one container by name, full ID or unique ID prefix. */
export const inspect = (s: Session, container: string) => read(s, 'inspect', { container });

/** docker ps: running containers, or all of them. */
export const list = (s: Session, all: boolean) => read(s, 'list', { all });

/**
 * The events recorded after `since` (a cursor from an earlier call; 0 for all) and the next cursor: of `host`
 * (each host keeps its own log and cursor), else of the first live host by name.
 */
export const readEvents = (s: Session, since: number, host?: string) =>
  read(s, 'events', host === undefined ? { since } : { since, host });

/** docker wait: the container's exit code once it does not run (resolved first, for the Web UI's metadata). */
export async function waitContainer(s: Session, container: string) {
  const rec = await inspect(s, container);
  return run<typeof containerWait>(
    s,
    WorkflowTypes.wait,
    { args: [{ container: rec.Id }] },
    { meta: containerVerbMetadata('wait', rec) },
  );
}

/** docker wait --condition removed of a container by full ID: its exit code once it is gone, even if it is already. */
export function waitRemoved(s: Session, id: string) {
  return run<typeof containerWait>(s, WorkflowTypes.wait, { args: [{ container: id, condition: 'removed' }] });
}

/** One bounded page of a container's output: from `cursor` (an earlier page's `next`), or its last `tail` lines. */
export const logsPage = (s: Session, container: string, page: Omit<LogsInput, 'container'> = {}) =>
  read(s, 'logs', { container, ...page });

/** image import: on `host` (its worker reads the source on its machine), else on every live host. */
export const imageImport = (s: Session, name: string, source: string, host?: string) =>
  run<typeof imageImportWorkflow>(
    s,
    WorkflowTypes.imageImport,
    { args: [host === undefined ? { name, source } : { name, source, host }] },
    {
      meta: plainMetadata(
        'image import',
        name,
        [
          ['image', name],
          ['source', source],
          ['host', host ?? 'every live host'],
        ],
        name,
      ),
    },
  );

export const imageList = (s: Session) => read(s, 'imageList', {});

export const gc = (s: Session) =>
  run<typeof containerGc>(
    s,
    WorkflowTypes.gc,
    {},
    {
      meta: plainMetadata('gc', undefined, [
        ['releases', 'leftovers recorded by failed releases, and orphaned resources'],
      ]),
    },
  );

/**
 * docker stop: resolves the container, then runs its stop under an ID derived from the container ID (a
 * second stop attaches to the first). A start in flight is cancelled first and compensates.
 */
export async function stop(s: Session, container: string, timeout?: number): Promise<StopResultRecord> {
  const rec = await inspect(s, container);
  // no timeout given: the container's --stop-timeout, else Docker's 10 s
  const timeoutSeconds = timeout ?? rec.Config.StopTimeout ?? 10;
  return run<typeof containerStop>(
    s,
    WorkflowTypes.stop,
    { args: [{ container: rec.Id, timeoutSeconds }] },
    {
      workflowId: lifecycleWorkflowId('stop', rec.Id),
      meta: containerVerbMetadata('stop', rec, undefined, [['timeout', `${timeoutSeconds}s`]]),
    },
  );
}

/** docker rm [-f]: as stop, under the container's remove workflow ID. */
export async function remove(s: Session, container: string, force: boolean, volumes = false): Promise<RemoveResult> {
  const rec = await inspect(s, container);
  return run<typeof containerRemove>(
    s,
    WorkflowTypes.remove,
    { args: [{ container: rec.Id, force, ...(volumes ? { volumes } : {}) }] },
    {
      workflowId: lifecycleWorkflowId('remove', rec.Id),
      meta: containerVerbMetadata(force ? 'rm -f' : 'rm', rec),
    },
  );
}

export interface StartHooks {
  /** called whenever the saga's steps, compensations or status change (the record so far) */
  onProgress?: (p: ContainerStartResult) => void;
  /** called once the saga is started or attached to: the CLI cancels through this handle */
  onStarted?: (handle: WorkflowHandle<typeof containerStart>) => void;
}

const POLL_MS = 75;

/**
 * docker start: resolves the container, then starts its saga under the workflow ID derived from the full container ID
 * with conflict policy USE_EXISTING, so a second start of the same container attaches to the saga in flight and gets
 * its result. With an onProgress hook, polls the saga's progress query while it runs (errors right after the start, or
 * while a worker restarts, only skip an update). Resolves with the saga's record; rejects with a CliError carrying
 * Docker's type and message and, when the saga got that far, its record (AlreadyStarted included: the caller decides
 * that 304 is success). A cancelled saga rejects with type Cancelled and the record of its compensations.
 */
export async function startContainer(s: Session, ref: string, hooks: StartHooks = {}): Promise<ContainerStartResult> {
  const rec = await inspect(s, ref);
  const name = bareName(rec.Name);
  let handle: WorkflowHandle<typeof containerStart>;
  try {
    handle = await s.client.workflow.start<typeof containerStart>(WorkflowTypes.start, {
      taskQueue: s.taskQueue,
      workflowId: startWorkflowId(rec.Id),
      workflowIdConflictPolicy: 'USE_EXISTING',
      // The ID just resolved, not `ref`: a name reused since the inspect must not start another container
      // under this one's workflow ID.
      args: [{ container: rec.Id }],
      ...startMetadata(rec),
    });
  } catch (err) {
    throw toCliError(err, s.address);
  }
  hooks.onStarted?.(handle);

  let last = '';
  const report = (p: ContainerStartResult | undefined) => {
    if (!p) return;
    const key = `${p.steps.length}/${p.compensations.length}/${p.status}`;
    if (key === last) return;
    last = key;
    hooks.onProgress?.(p);
  };
  const query = () => handle.query<ContainerStartResult>(PROGRESS_QUERY).catch(() => undefined);

  // Progress is read only for a caller that shows it (the CLI): each query is a workflow task on the worker.
  const done = await pollWhileRunning(handle.result(), query, hooks.onProgress && report, POLL_MS);
  if (done.ok) {
    report(done.value);
    return done.value;
  }
  const e = toCliError(done.error, s.address);
  if (!(e instanceof CliError)) throw e;
  if (e.type === 'Cancelled') {
    // A cancelled saga ends with the cancellation, not its record: read the record of the closed run.
    const record = await query();
    report(record);
    throw new CliError(`start of ${name} cancelled`, {
      type: 'Cancelled',
      status: 499,
      origin: 'cli',
      exitCode: 130,
      record,
    });
  }
  report(e.record);
  throw e;
}
