import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { ContainerArchiveInput, PathStat } from '../../common/archive-api';
import { containerArchive, containerChanges, containerCommit, spoolFile } from '../../client/container-archive';
import { spoolMachine, spoolReason } from '../spool-machine';
import { ApiError, boolParam, parseJsonObject } from '../http';
import type { ApiContext, ApiRequest, Route } from '../router';
import type { Responder } from '../responder';

/**
 * `docker cp` (the archive endpoints), `export`, `diff` and `commit`. A tar is spooled under the state root of the
 * worker host this API shares a machine with, and the workflow runs on the container's host with that path
 * (docs/design.md "Container archives"); a container on another host is a 501 that says so. The spool file is
 * removed before the answer ends, whatever happens.
 */

const statHeader = (stat: PathStat) => Buffer.from(JSON.stringify(stat)).toString('base64');

/** The path query parameter Docker requires. */
function pathParam(r: ApiRequest): string {
  const p = r.query.get('path');
  // moby's words, its missing space included
  if (!p) throw new ApiError(400, 'bad parameter: pathcannot be empty');
  return p;
}

/** Runs one archive op with a spool file, and streams the file back when `send`; the file is gone after. */
async function withSpool(
  ctx: ApiContext,
  input: Omit<ContainerArchiveInput, 'file' | 'host'>,
  fill: ((file: string) => Promise<void>) | undefined,
  send: ((file: string, stat: PathStat | undefined) => Promise<void>) | undefined,
): Promise<void> {
  const { host, root } = spoolMachine(ctx, 'cp and export');
  const session = await ctx.session();
  const file = await spoolFile(root, input.op);
  try {
    if (fill) await fill(file);
    const result = await containerArchive(session, { ...input, file, host });
    if ('elsewhere' in result)
      throw new ApiError(
        501,
        `container ${input.container} is on host ${result.elsewhere}, not on ${host}: ${spoolReason(host)}; run it there with \`container-saga cp\``,
      );
    await send?.(file, result.stat);
  } finally {
    await fs.rm(file, { force: true });
  }
}

/** Streams a spool file as the answer (it is unlinked first: the open file is still read). */
async function streamFile(out: Responder, file: string, contentType: string): Promise<void> {
  const bytes = createReadStream(file);
  await new Promise<void>((resolve, reject) => bytes.once('open', () => resolve()).once('error', reject));
  await fs.rm(file, { force: true });
  const stream = out.stream(contentType);
  try {
    for await (const chunk of bytes) if (!(await stream.writeRaw(chunk as Buffer))) break;
  } finally {
    bytes.destroy();
  }
  stream.end();
}

export const containerArchiveRoutes: Route[] = [
  {
    method: 'HEAD',
    path: '/containers/{id}/archive',
    handler: async (ctx, r, out) => {
      const session = await ctx.session();
      const result = await containerArchive(session, { container: r.params.id!, op: 'stat', path: pathParam(r) });
      if ('stat' in result && result.stat) out.header?.('X-Docker-Container-Path-Stat', statHeader(result.stat));
      out.empty(200);
    },
  },
  {
    method: 'GET',
    path: '/containers/{id}/archive',
    handler: (ctx, r, out) =>
      withSpool(ctx, { container: r.params.id!, op: 'get', path: pathParam(r) }, undefined, async (file, stat) => {
        if (stat) out.header?.('X-Docker-Container-Path-Stat', statHeader(stat));
        await streamFile(out, file, 'application/x-tar');
      }),
  },
  {
    method: 'PUT',
    path: '/containers/{id}/archive',
    handler: async (ctx, r, out) => {
      const input = {
        container: r.params.id!,
        op: 'put' as const,
        path: pathParam(r),
        noOverwriteDirNonDir: boolParam(r.query, 'noOverwriteDirNonDir'),
        copyUIDGID: boolParam(r.query, 'copyUIDGID'),
      };
      await withSpool(ctx, input, (file) => pipeline(r.raw, createWriteStream(file, { mode: 0o600 })), undefined);
      out.empty(200);
    },
  },
  {
    method: 'GET',
    path: '/containers/{id}/export',
    handler: (ctx, r, out) =>
      withSpool(ctx, { container: r.params.id!, op: 'export' }, undefined, (file) =>
        streamFile(out, file, 'application/x-tar'),
      ),
  },
  {
    method: 'GET',
    path: '/containers/{id}/changes',
    handler: async (ctx, r, out) => {
      const changes = await containerChanges(await ctx.session(), r.params.id!);
      // Go's nil slice: Docker answers null for a container without changes
      out.json(200, changes.length ? changes : null);
    },
  },
  {
    method: 'POST',
    path: '/commit',
    handler: async (ctx, r, out) => {
      const container = r.query.get('container');
      if (!container) throw new ApiError(400, 'invalid name or ID supplied: ""');
      // the docker CLI sends `null` when no config is given
      const body = (await r.body()).toString('utf8').trim();
      const config = body === 'null' ? {} : parseJsonObject(Buffer.from(body));
      const text = (name: string) => r.query.get(name) || undefined;
      const pause = r.query.get('pause');
      const result = await containerCommit(await ctx.session(), {
        container,
        ...(text('repo') ? { repo: text('repo') } : {}),
        ...(text('tag') ? { tag: text('tag') } : {}),
        ...(text('comment') ? { comment: text('comment') } : {}),
        ...(text('author') ? { author: text('author') } : {}),
        changes: r.query.getAll('changes').filter((c) => c !== ''),
        // Docker's default is to pause; only an explicit false does not
        pause: pause === null || pause === '' ? true : boolParam(r.query, 'pause'),
        ...(Object.keys(config).length ? { config } : {}),
      });
      out.json(201, result);
    },
  },
];
