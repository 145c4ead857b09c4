import { setTimeout as sleep } from 'node:timers/promises';
import { statsOnce, statsSample, statsStream, update } from '../../client/resource-api';
import { toUpdateResources } from '../convert/update-request';
import type { DockerStats } from '../../common/stats-api';
import { containerRef } from '../convert/container-ref';
import { badRequest, boolParam } from '../http';
import type { ApiRequest, Route } from '../router';

/** docker stats and docker update (moby api/server/router/container: getContainersStats, postContainerUpdate). */

const ref = (r: ApiRequest) => containerRef(r.params.id!);

/** `stream` defaults to true, as Docker's router reads it (httputils.BoolValueOrDefault). */
const streamParam = (r: ApiRequest) => (r.query.has('stream') ? boolParam(r.query, 'stream') : true);

export const resourceRoutes: Route[] = [
  {
    method: 'GET',
    path: '/containers/{id}/stats',
    handler: async (ctx, r, out) => {
      const stream = streamParam(r);
      const oneShot = boolParam(r.query, 'one-shot');
      if (oneShot && stream) throw badRequest('cannot have stream=true and one-shot=true');
      const s = await ctx.session();
      if (!stream) {
        out.json(200, oneShot ? await statsSample(s, ref(r)) : await statsOnce(s, ref(r)));
        return;
      }
      // The first sample before the 200, so that an unknown container is Docker's 404; then one a second until
      // the client goes away or the container is removed.
      const first = await statsSample(s, ref(r));
      const body = out.stream('application/json');
      const samples = statsStream(
        s,
        first,
        () => body.closed,
        (ms) => Promise.race([sleep(ms), body.gone]),
      );
      try {
        let next: IteratorResult<DockerStats> | undefined = { value: first, done: false };
        while (next && !next.done && (await body.writeRaw(`${JSON.stringify(next.value)}\n`)))
          next = await samples.next().catch(() => undefined); // removed meanwhile: the stream ends
      } finally {
        body.end();
      }
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/update',
    handler: async (ctx, r, out) => {
      const resources = toUpdateResources(await r.json());
      const result = await update(await ctx.session(), ref(r), resources);
      out.json(200, { Warnings: result.Warnings });
    },
  },
];
