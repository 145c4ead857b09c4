import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { createContainer, inspect, list, remove, startContainer, stop } from '../../client/api';
import type { Session } from '../../client/connection';
import { CliError, toCliError } from '../../client/errors';
import { kill, pause, unpause } from '../../client/verbs-api';
import { WorkflowTypes } from '../../common/names';
import { containerVerbMetadata } from '../../common/workflow-metadata';
import type { WaitResult } from '../../common/ops-api';
import type { containerWait } from '../../workflows/lifecycle';
import { containerRef } from '../convert/container-ref';
import { inspectJson } from '../convert/container-json';
import { containerSummary } from '../convert/container-summary';
import { toCreateRequest } from '../convert/create-request';
import { familiarReference } from '../convert/image-ref';
import { listQuery, selectContainers } from '../convert/list-filters';
import { waitCondition } from '../convert/wait-condition';
import { badRequest, boolParam, intParam, notFound } from '../http';
import type { ApiRequest, Handler, Route } from '../router';

/**
 * The container endpoints of the Engine API, each served by the workflows the CLI runs (client/api.ts):
 * create, inspect, list, start (the saga, under the container's one start workflow ID), stop, restart, kill,
 * pause, unpause, wait and remove, with Docker's statuses and messages.
 */

/** The container a path names (a malformed reference is Docker's 404 before any workflow runs). */
const ref = (r: ApiRequest) => containerRef(r.params.id!);

/** Docker's answer to a start body since API v1.24 (daemon's bodyOnStartError). */
const START_BODY = 'starting container with non-empty request body was deprecated since API v1.22 and removed in v1.24';

/** Runs `fn` and answers `status` (204 No Content) once it is done. */
const done =
  (fn: (s: Session, r: ApiRequest) => Promise<unknown>, status = 204): Handler =>
  async (ctx, r, out) => {
    await fn(await ctx.session(), r);
    out.empty(status);
  };

/**
 * docker start through the saga: 204 once it runs, 304 when it already ran (AlreadyStarted). A saga that
 * failed has compensated (and removed an AutoRemove container); its error is the answer.
 */
async function start(s: Session, id: string): Promise<204 | 304> {
  try {
    await startContainer(s, id);
    return 204;
  } catch (err) {
    if (err instanceof CliError && err.type === 'AlreadyStarted') return 304;
    throw err;
  }
}

/** A stop's timeout (none: the container's --stop-timeout, else 10 s); an unbounded one (negative) is not offered. */
function stopTimeout(r: ApiRequest): number | undefined {
  const t = intParam(r.query, 't');
  if (t !== undefined && t < 0)
    throw badRequest('container-saga does not support a negative stop timeout (wait forever)');
  return t;
}

/**
 * POST /containers/{id}/wait: the condition is checked and the container resolved first (a 400 or 404 is an
 * ordinary answer), then the 200 and its headers go out at once — `docker run` waits for them before it starts
 * the container — and the body once the condition holds. The wait is a workflow; a client that goes away
 * (`docker run -d` exits after the start) ends it.
 */
const waitHandler: Handler = async (ctx, r, out) => {
  const condition = waitCondition(r.query.get('condition'));
  const s = await ctx.session();
  const rec = await inspect(s, ref(r));
  let handle: WorkflowHandle<typeof containerWait>;
  try {
    handle = await s.client.workflow.start<typeof containerWait>(WorkflowTypes.wait, {
      taskQueue: s.taskQueue,
      workflowId: `container-wait-${rec.Id}-${randomUUID()}`,
      args: [{ container: rec.Id, condition, afterFinishedAt: rec.State.FinishedAt }],
      ...containerVerbMetadata('wait', rec, condition),
    });
  } catch (err) {
    throw toCliError(err, s.address);
  }
  const stream = out.stream('application/json');
  let finished = false;
  // Terminated, not cancelled: nobody wants its result, and a cancelled verb would end as a failure. Its
  // activity sees the workflow gone at its next heartbeat (within a second) and stops polling.
  void stream.gone.then(() => {
    if (!finished) handle.terminate('the client of the wait went away').catch(() => undefined);
  });
  let body: { StatusCode: number; Error: { Message: string } | null };
  try {
    const res: WaitResult = await handle.result();
    body = { StatusCode: res.StatusCode, Error: null };
  } catch (err) {
    const e = toCliError(err, s.address);
    body = { StatusCode: -1, Error: { Message: e instanceof Error ? e.message : String(e) } };
  } finally {
    finished = true;
  }
  await stream.writeRaw(`${JSON.stringify(body)}\n`);
  stream.end();
};

export const containerRoutes: Route[] = [
  {
    method: 'POST',
    path: '/containers/create',
    handler: async (ctx, r, out) => {
      const body = await r.json();
      const request = toCreateRequest(body, r.query.get('name'));
      const s = await ctx.session();
      try {
        const created = await createContainer(s, request);
        out.json(201, { Id: created.Id, Warnings: created.Warnings ?? [] });
      } catch (err) {
        const e = toCliError(err, s.address);
        // Docker names the image as the client would pull it: busybox → busybox:latest
        if (e instanceof CliError && e.type === 'NoSuchImage')
          throw notFound(`No such image: ${familiarReference(String(body.Image))}`);
        // A container-saga.host label naming no host: 400, not NoSuchHost's 404, which Docker's client takes
        // for a missing image (it would try to pull it and report that instead).
        if (e instanceof CliError && e.type === 'NoSuchHost') throw badRequest(e.message);
        throw e;
      }
    },
  },
  {
    method: 'GET',
    path: '/containers/json',
    handler: async (ctx, r, out) => {
      const query = listQuery(r.query);
      // Every record, even for running ones only: the names other containers link them under are in those.
      const all = await list(await ctx.session(), true);
      const now = Date.now();
      out.json(
        200,
        selectContainers(all, query).map((rec) => containerSummary(rec, all, now)),
      );
    },
  },
  {
    method: 'GET',
    path: '/containers/{id}/json',
    handler: async (ctx, r, out) => {
      boolParam(r.query, 'size'); // accepted; sizes are not computed
      out.json(200, inspectJson(await inspect(await ctx.session(), ref(r))));
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/start',
    handler: async (ctx, r, out) => {
      const id = ref(r);
      if (r.query.get('checkpoint')) throw badRequest('container-saga does not support checkpoints');
      // An empty body, or `{}`, is what clients send; a hostConfig at start went with API v1.24.
      if (Object.keys(await r.json()).length > 0) throw badRequest(START_BODY);
      out.empty(await start(await ctx.session(), id));
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/stop',
    handler: async (ctx, r, out) => {
      const id = ref(r);
      const stopped = await stop(await ctx.session(), id, stopTimeout(r));
      // Docker: stopping a container that does not run is 304 Not Modified
      out.empty(stopped.wasRunning || stopped.cancelledStart ? 204 : 304);
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/restart',
    handler: done(async (s, r) => {
      const id = ref(r);
      await stop(s, id, stopTimeout(r));
      await start(s, id);
    }),
  },
  {
    method: 'POST',
    path: '/containers/{id}/kill',
    handler: done((s, r) => kill(s, ref(r), r.query.get('signal') || undefined)),
  },
  { method: 'POST', path: '/containers/{id}/pause', handler: done((s, r) => pause(s, ref(r))) },
  { method: 'POST', path: '/containers/{id}/unpause', handler: done((s, r) => unpause(s, ref(r))) },
  { method: 'POST', path: '/containers/{id}/wait', handler: waitHandler },
  {
    method: 'DELETE',
    path: '/containers/{id}',
    handler: done(async (s, r) => {
      const id = ref(r);
      if (boolParam(r.query, 'link')) throw badRequest('container-saga does not support removing links (link=1)');
      await remove(s, id, boolParam(r.query, 'force'), boolParam(r.query, 'v'));
    }),
  },
];
