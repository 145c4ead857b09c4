import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { lifecycleWorkflowId, PROGRESS_QUERY, startWorkflowId, WorkflowTypes } from '../common/names';
import type {
  CreateResult,
  EventsResult,
  GcResult,
  ImageImportResult,
  ImageListResult,
  InspectResult,
  ListResult,
  LogsResult,
  RemoveResult,
  StopResultRecord,
} from '../common/ops-api';
import type { ContainerStartResult } from '../common/start-api';
import type { CreateRequest } from '../common/types';
import type { Session } from './connection';
import { CliError, toCliError } from './errors';

/**
 * The CLI's library: one function per verb, each a workflow on the worker that owns the containers.
 * Nothing here prints; failures come back as CliError with Docker's type and message.
 */

let checkedPollers = false;

/** Fails fast, with the fix, when no worker serves the task queue (else a workflow would wait forever). */
async function ensureWorker(s: Session): Promise<void> {
  if (checkedPollers) return;
  // A worker that just started may not have registered its first poll yet: look for a few seconds.
  for (let tries = 0; ; tries++) {
    const res = await s.connection.workflowService.describeTaskQueue({
      namespace: s.namespace,
      taskQueue: { name: s.taskQueue, kind: 1 },
      taskQueueType: 1,
    });
    if ((res.pollers ?? []).length > 0) break;
    if (tries >= 20) {
      throw new CliError(`no container-saga worker is polling task queue ${s.taskQueue} (start one with \`npm run worker\`)`, 'Unavailable', 503);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  checkedPollers = true;
}

/** Runs a short workflow to completion and returns its result. */
async function run<T>(s: Session, type: string, args: unknown[], workflowId = `${type}-${randomUUID()}`): Promise<T> {
  try {
    await ensureWorker(s);
    return (await s.client.workflow.execute(type, { taskQueue: s.taskQueue, workflowId, args, workflowIdConflictPolicy: 'USE_EXISTING' })) as T;
  } catch (err) {
    throw toCliError(err, s.address);
  }
}

export const createContainer = (s: Session, request: CreateRequest) => run<CreateResult>(s, WorkflowTypes.create, [{ request }]);
export const inspect = (s: Session, container: string) => run<InspectResult>(s, WorkflowTypes.inspect, [{ container }]);
export const list = (s: Session, all: boolean) => run<ListResult>(s, WorkflowTypes.list, [{ all }]);
export const readEvents = (s: Session, since: number) => run<EventsResult>(s, WorkflowTypes.events, [{ since }]);
export const logs = (s: Session, container: string) => run<LogsResult>(s, WorkflowTypes.logs, [{ container }]);
export const imageImport = (s: Session, name: string, source: string) => run<ImageImportResult>(s, WorkflowTypes.imageImport, [{ name, source }]);
export const imageList = (s: Session) => run<ImageListResult>(s, WorkflowTypes.imageList, []);
export const gc = (s: Session) => run<GcResult>(s, WorkflowTypes.gc, []);

export async function stop(s: Session, container: string, timeoutSeconds: number): Promise<StopResultRecord> {
  const rec = await inspect(s, container);
  return run<StopResultRecord>(s, WorkflowTypes.stop, [{ container: rec.Id, timeoutSeconds }], lifecycleWorkflowId('stop', rec.Id));
}

export async function remove(s: Session, container: string, force: boolean): Promise<RemoveResult> {
  const rec = await inspect(s, container);
  return run<RemoveResult>(s, WorkflowTypes.remove, [{ container: rec.Id, force }], lifecycleWorkflowId('remove', rec.Id));
}

export interface StartHooks {
  /** called whenever the saga's progress record changes */
  onProgress?: (p: ContainerStartResult) => void;
  /** called once the saga is started (or attached to), with its handle: the CLI cancels through it */
  onStarted?: (handle: WorkflowHandle) => void;
}

/**
 * docker start: resolves the container, then starts its saga under the ID derived from the container ID
 * with conflict policy USE_EXISTING, so a second start attaches to the running saga and gets its result.
 * Polls the saga's progress query while it runs; a worker restart only pauses the updates.
 */
export async function startContainer(s: Session, ref: string, hooks: StartHooks = {}): Promise<ContainerStartResult> {
  const rec = await inspect(s, ref);
  const name = rec.Name.replace(/^\//, '');
  let handle: WorkflowHandle;
  try {
    handle = await s.client.workflow.start(WorkflowTypes.start, {
      taskQueue: s.taskQueue,
      workflowId: startWorkflowId(rec.Id),
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [{ container: ref }],
      staticSummary: `start ${name}`,
      staticDetails: `container ${rec.Id}\nimage ${rec.Config.Image}\ncommand ${rec.Config.Cmd.join(' ')}`,
    });
  } catch (err) {
    throw toCliError(err, s.address);
  }
  hooks.onStarted?.(handle);
  let settled = false;
  const result = handle.result().finally(() => {
    settled = true;
  });
  let last = '';
  const report = (p: ContainerStartResult | undefined) => {
    if (!p) return;
    const key = `${p.steps.length}/${p.compensations.length}/${p.status}`;
    if (key !== last) {
      last = key;
      hooks.onProgress?.(p);
    }
  };
  const tick = () => new Promise((r) => setTimeout(r, 50));
  while (!settled) {
    const p = await Promise.race([
      handle.query<ContainerStartResult>(PROGRESS_QUERY).catch(() => undefined),
      result.then(() => undefined, () => undefined),
    ]);
    if (!settled) report(p);
    await Promise.race([tick(), result.catch(() => undefined)]);
  }
  try {
    const final = (await result) as ContainerStartResult;
    report(final);
    return final;
  } catch (err) {
    const e = toCliError(err, s.address);
    if (e instanceof CliError && e.record) report(e.record);
    throw e;
  }
}
