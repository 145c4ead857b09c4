import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { imageList } from '../../client/api';
import { CliError } from '../../client/errors';
import { imageLoad, imageSave } from '../../client/image-archive';
import { loadedLines } from '../../common/image-archive-api';
import { archiveSpoolDir } from '../../images/archive-paths';
import { findImage } from '../convert/image-json';
import { spoolMachine, spoolReason } from '../spool-machine';
import { ApiError, boolParam } from '../http';
import type { ApiContext, Route } from '../router';

/**
 * `docker save` and `docker load`: the archive is spooled under the state root of the worker host this API
 * shares a machine with, and the save/load workflow runs there with that path (archives never go through
 * Temporal: docs/design.md, "Image archives"); the spool file is streamed back or loaded, then removed.
 */

async function spoolFile(root: string, kind: 'save' | 'load'): Promise<string> {
  const dir = archiveSpoolDir(root);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  return path.join(dir, `${kind}-${randomBytes(8).toString('hex')}.tar`);
}

/** A host-level failure of the save or load on the API's host, as the 501 that says why it cannot run here. */
function notHere(err: unknown, host: string): unknown {
  if (err instanceof CliError && (err.type === 'NoSuchHost' || err.type === 'HostUnavailable'))
    return new ApiError(501, `${err.message}: ${spoolReason(host)}, and no live worker is that host`);
  return err;
}

async function save(ctx: ApiContext, names: string[], out: Parameters<Route['handler']>[2]): Promise<void> {
  if (names.length === 0) throw new ApiError(400, 'no image names given');
  const { host, root } = spoolMachine(ctx, 'image save and load');
  const session = await ctx.session();
  const file = await spoolFile(root, 'save');
  try {
    try {
      await imageSave(session, names, file, host);
    } catch (err) {
      if (!(err instanceof CliError && err.type === 'NoSuchImage')) throw notHere(err, host);
      // on another host? Docker's 404 only when no host has it
      const images = await imageList(session);
      for (const name of names) {
        const found = (() => {
          try {
            return findImage(images, name);
          } catch {
            return undefined;
          }
        })();
        const on = (found as { hosts?: string[] } | undefined)?.hosts;
        if (on && !on.includes(host))
          throw new ApiError(
            501,
            `image ${name} is on host ${on.join(', ')}, not on ${host}: ${spoolReason(host)}; save it there with \`container-saga image save --host ${on[0]} -o FILE ${name}\``,
          );
      }
      throw err;
    }
    const bytes = createReadStream(file);
    try {
      await once(bytes, 'open');
    } catch {
      throw new ApiError(
        501,
        `host ${host} wrote the archive on another machine than this Engine API's: ${spoolReason(host)}`,
      );
    }
    // gone from the spool before the answer ends (the open file is still read)
    await fs.rm(file, { force: true });
    const stream = out.stream('application/x-tar');
    try {
      for await (const chunk of bytes) if (!(await stream.writeRaw(chunk as Buffer))) break;
    } finally {
      bytes.destroy();
    }
    stream.end();
  } finally {
    await fs.rm(file, { force: true });
  }
}

export const imageArchiveRoutes: Route[] = [
  {
    method: 'GET',
    path: '/images/get',
    handler: (ctx, r, out) => save(ctx, r.query.getAll('names'), out),
  },
  {
    method: 'GET',
    path: '/images/{image}/get',
    handler: (ctx, r, out) => save(ctx, [r.params.image!], out),
  },
  {
    method: 'POST',
    path: '/images/load',
    handler: async (ctx, r, out) => {
      boolParam(r.query, 'quiet');
      const { host, root } = spoolMachine(ctx, 'image save and load');
      const session = await ctx.session();
      const file = await spoolFile(root, 'load');
      let loaded: Awaited<ReturnType<typeof imageLoad>>;
      try {
        await pipeline(r.raw, createWriteStream(file, { mode: 0o600 }));
        loaded = await imageLoad(session, file, host);
      } catch (err) {
        if (err instanceof CliError && /^archive .* not found/.test(err.message))
          throw new ApiError(501, `host ${host} cannot read the uploaded archive: ${spoolReason(host)}`);
        throw notHere(err, host);
      } finally {
        // gone from the spool before the answer
        await fs.rm(file, { force: true });
      }
      // Docker's JSON message stream; `quiet` drops only progress, which there is none of here
      const stream = out.stream('application/json');
      for (const line of loadedLines(loaded)) await stream.writeRaw(`${JSON.stringify({ stream: `${line}\n` })}\r\n`);
      stream.end();
    },
  },
];
