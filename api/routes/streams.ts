import { inspect } from '../../client/api';
import type { ContainerRecord } from '../../common/types';
import { badRequest, boolParam } from '../http';
import { streamLog, type LogStreamOptions } from '../log-follow';
import type { ApiRequest, Route } from '../router';
import { timeParam } from '../timestamps';
import { attachLocal, containerResizeRoute, wantsLocalAttach } from './attach-io';

/**
 * A container's output: GET /containers/{id}/logs and POST /containers/{id}/attach, both read from the
 * container's log file in bounded pages (api/log-follow.ts). The log holds stdout and stderr together (the
 * container writes both to it), so the frames carry them as one stream: stdout's, or stderr's when only
 * stderr is asked for. A TTY container's output is raw, unframed, as Docker's.
 */

/** How often attach reads the log of an AutoRemove container once its run is past its first seconds. */
const AUTO_REMOVE_POLL_MS = 100;

/** Frame type for a container's combined output, or raw for a TTY. */
function outputOf(rec: ContainerRecord, stdout: boolean): LogStreamOptions['output'] {
  if (rec.Config.Tty) return 'raw';
  return stdout ? 1 : 2;
}

/** Docker's `tail`: "all" (or anything not a number, or negative) for all, else the last N lines. */
function tailParam(r: ApiRequest): number | undefined {
  const v = r.query.get('tail');
  if (v === null || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

export const streamRoutes: Route[] = [
  containerResizeRoute,
  {
    method: 'GET',
    path: '/containers/{id}/logs',
    handler: async (ctx, r, out) => {
      const stdout = boolParam(r.query, 'stdout');
      const stderr = boolParam(r.query, 'stderr');
      if (!stdout && !stderr) throw badRequest('Bad parameters: you must choose at least one stream');
      const follow = boolParam(r.query, 'follow');
      const timestamps = boolParam(r.query, 'timestamps');
      const since = timeParam(r.query, 'since');
      const until = timeParam(r.query, 'until');
      const tail = tailParam(r);
      const s = await ctx.session();
      const rec = await inspect(s, r.params.id!);
      await streamLog(s, rec.Id, () => out.stream(), {
        // since=0 is the epoch: everything, as without it
        first: {
          ...(tail === undefined ? {} : { tail }),
          ...(since !== undefined && since > 0 ? { since: Math.ceil(since) } : {}),
        },
        follow: follow ? { kind: 'running' } : { kind: 'none' },
        timestamps,
        ...(until !== undefined && until > 0 ? { until } : {}),
        output: outputOf(rec, stdout),
      });
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/attach',
    handler: async (ctx, r, out) => {
      const stream = boolParam(r.query, 'stream');
      const logs = boolParam(r.query, 'logs');
      const stdout = boolParam(r.query, 'stdout');
      const stderr = boolParam(r.query, 'stderr');
      const s = await ctx.session();
      const rec = await inspect(s, r.params.id!);
      if (wantsLocalAttach(r, rec)) return attachLocal(ctx, r, out, rec);
      if (!stdout && !stderr) {
        // nothing to send: the stream ends at once
        out.stream().end();
        return;
      }
      // The log's end is read before the stream starts: the docker CLI starts the container once attached,
      // and output written before our first read would fall before the cursor and never be sent.
      await streamLog(s, rec.Id, () => out.stream(), {
        first: logs ? {} : { tail: 0 },
        follow: stream ? { kind: 'run', startedAt: rec.State.StartedAt } : { kind: 'none' },
        timestamps: false,
        output: outputOf(rec, stdout),
        // its monitor removes it, log included, soon after it exits: keep reading often
        ...(rec.HostConfig.AutoRemove ? { pollMs: AUTO_REMOVE_POLL_MS } : {}),
      });
    },
  },
];
