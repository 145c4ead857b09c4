import { inspect } from '../../client/api';
import type { ContainerRecord } from '../../common/types';
import { badRequest, boolParam } from '../http';
import { streamLog, type LogStreamOptions } from '../log-follow';
import type { ApiRequest, Route } from '../router';
import { timeParam } from '../timestamps';
import { attachLocal, containerResizeRoute, wantsLocalAttach } from './attach-io';

/**
 * A container's output: GET /containers/{id}/logs and POST /containers/{id}/attach, both read from the
 * container's log file in bounded pages (api/log-follow.ts). conmon's log keeps each line's stream, so stdout
 * and stderr go out in frames of their own, only those asked for. A TTY container's output is raw, unframed,
 * as Docker's (a terminal has one stream: stdout).
 */

/** How often attach reads the log of an AutoRemove container once its run is past its first seconds. */
const AUTO_REMOVE_POLL_MS = 100;

/** The streams asked for, framed, or raw for a TTY. */
function outputOf(rec: ContainerRecord, stdout: boolean, stderr: boolean): LogStreamOptions['output'] {
  return { stdout, stderr, raw: rec.Config.Tty };
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
          ...(since !== undefined && since > 0 ? { since } : {}),
        },
        follow: follow ? { kind: 'running' } : { kind: 'none' },
        timestamps,
        ...(until !== undefined && until > 0 ? { until } : {}),
        output: outputOf(rec, stdout, stderr),
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
        output: outputOf(rec, stdout, stderr),
        // its monitor removes it, log included, soon after it exits: keep reading often
        ...(rec.HostConfig.AutoRemove ? { pollMs: AUTO_REMOVE_POLL_MS } : {}),
      });
    },
  },
];
