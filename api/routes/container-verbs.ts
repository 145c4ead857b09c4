import { diskUsage, pruneContainers, rename, top } from '../../client/container-verbs-api';
import type { DiskUsageResult } from '../../common/container-verbs-api';
import { containerRef } from '../convert/container-ref';
import { containerSummary } from '../convert/container-summary';
import { imageSummary } from '../convert/image-json';
import { networkPruneInput } from '../convert/network-filters';
import { badRequest } from '../http';
import type { ApiRequest, Route } from '../router';

/** rename, top, container prune and system df (workflows/container-verbs.ts, container-reads.ts), as Docker answers. */

const ref = (r: ApiRequest) => containerRef(r.params.id!);

/** GET /system/df's object types (API 1.42+ `type=`): every kind unless some are named. */
const DF_TYPES = ['container', 'image', 'volume', 'build-cache'] as const;

function dfTypes(q: URLSearchParams): Set<string> {
  const asked = q.getAll('type');
  for (const t of asked)
    if (!(DF_TYPES as readonly string[]).includes(t)) throw badRequest(`unknown object type: ${t}`);
  return new Set(asked.length ? asked : DF_TYPES);
}

/** Docker's types.DiskUsage; a kind not asked for is null, as Docker leaves it. */
function diskUsageJson(du: DiskUsageResult, types: Set<string>, all: Parameters<typeof containerSummary>[1]) {
  const now = Date.now();
  return {
    LayersSize: types.has('image') ? du.layersSize : 0,
    Images: types.has('image')
      ? du.images.map((i) => ({ ...imageSummary(i.image), Containers: i.containers, SharedSize: i.sharedSize }))
      : null,
    Containers: types.has('container')
      ? du.containers.map((c) => ({
          ...containerSummary(c.record, all, now),
          SizeRw: c.sizeRw,
          SizeRootFs: c.sizeRootFs,
        }))
      : null,
    Volumes: types.has('volume')
      ? du.volumes.map((v) => ({ ...v.volume, UsageData: { Size: v.size, RefCount: v.refCount } }))
      : null,
    // no builder here: its cache is always empty
    BuildCache: types.has('build-cache') ? [] : null,
  };
}

export const containerVerbRoutes: Route[] = [
  {
    method: 'POST',
    path: '/containers/{id}/rename',
    handler: async (ctx, r, out) => {
      await rename(await ctx.session(), ref(r), r.query.get('name') ?? '');
      out.empty(204);
    },
  },
  {
    method: 'GET',
    path: '/containers/{id}/top',
    handler: async (ctx, r, out) => {
      const psArgs = r.query.get('ps_args');
      out.json(200, await top(await ctx.session(), ref(r), psArgs || undefined));
    },
  },
  {
    method: 'POST',
    path: '/containers/prune',
    // Docker's container prune takes the filters network prune takes: label, label!, until
    handler: async (ctx, r, out) => {
      out.json(200, await pruneContainers(await ctx.session(), networkPruneInput(r.query)));
    },
  },
  {
    method: 'GET',
    path: '/system/df',
    handler: async (ctx, r, out) => {
      const types = dfTypes(r.query);
      const du = await diskUsage(await ctx.session());
      // the names other containers link them under (Names) are in every record
      out.json(
        200,
        diskUsageJson(
          du,
          types,
          du.containers.map((c) => c.record),
        ),
      );
    },
  },
  {
    // docker system prune ends with the builder's cache: there is none to prune
    method: 'POST',
    path: '/build/prune',
    handler: async (_ctx, _r, out) => {
      out.json(200, { CachesDeleted: null, SpaceReclaimed: 0 });
    },
  },
];
