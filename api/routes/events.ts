import { setTimeout as sleep } from 'node:timers/promises';
import { readEvents } from '../../client/api';
import { EVENT_FILTERS, EventFilter, toDockerEvent } from '../docker-events';
import { filtersParam } from '../http';
import type { Route } from '../router';
import { timeParam } from '../timestamps';

/**
 * GET /events: Docker's event stream, one JSON object per line, read from the recorded events with the
 * reads workflow's events cursor. Without `since`/`until` it starts at the end (new events only); with
 * either it starts at the beginning and sends those at or after `since`. It goes on, polling, while the
 * client listens, and ends once `until` has passed (at once when `until` is in the past); it reads
 * nothing more once the client has gone.
 */

const POLL_MS = 250;

export const eventRoutes: Route[] = [
  {
    method: 'GET',
    path: '/events',
    handler: async (ctx, r, out) => {
      const since = timeParam(r.query, 'since');
      const until = timeParam(r.query, 'until');
      const filter = new EventFilter(filtersParam(r.query, EVENT_FILTERS));
      const s = await ctx.session();
      // Docker replays its recorded events only when asked for a time: otherwise, what happens from now on.
      let cursor = since !== undefined || until !== undefined ? 0 : (await readEvents(s, Number.MAX_SAFE_INTEGER)).next;
      const stream = out.stream('application/json');
      const commands = new Map<string, string>();
      try {
        for (;;) {
          const readAt = Date.now();
          const { events, next, more } = await readEvents(s, cursor);
          cursor = next;
          for (const e of events) {
            const ev = toDockerEvent(e, commands);
            const ms = ev.timeNano / 1e6;
            if (since !== undefined && ms < since) continue;
            if (until !== undefined && ms > until) continue;
            if (!filter.includes(ev)) continue;
            if (!(await stream.writeRaw(`${JSON.stringify(ev)}\n`))) return;
          }
          if (more) continue; // a replay of many pages: the next one at once
          // Everything up to the read is sent: done once that is past `until`.
          if (until !== undefined && readAt > until) return;
          await Promise.race([sleep(POLL_MS), stream.gone]);
          if (stream.closed) return;
        }
      } finally {
        stream.end();
      }
    },
  },
];
