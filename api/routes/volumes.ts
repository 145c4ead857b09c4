import { createVolume, inspectVolume, listVolumes, pruneVolumes, removeVolume } from '../../client/volume-verbs-api';
import { createBody, listFilters, pruneFilters } from '../convert/volume-filters';
import { boolParam } from '../http';
import type { Route } from '../router';

/** The volumes API (workflows/volume-verbs.ts): Docker's JSON and errors. */
export const volumeRoutes: Route[] = [
  {
    method: 'GET',
    path: '/volumes',
    handler: async (ctx, r, out) => {
      out.json(200, await listVolumes(await ctx.session(), listFilters(r.query)));
    },
  },
  {
    method: 'POST',
    path: '/volumes/create',
    handler: async (ctx, r, out) => {
      out.json(201, await createVolume(await ctx.session(), createBody(await r.json())));
    },
  },
  {
    method: 'POST',
    path: '/volumes/prune',
    handler: async (ctx, r, out) => {
      out.json(200, await pruneVolumes(await ctx.session(), pruneFilters(r.query, r.version)));
    },
  },
  {
    method: 'GET',
    path: '/volumes/{name}',
    handler: async (ctx, r, out) => {
      out.json(200, await inspectVolume(await ctx.session(), r.params.name!));
    },
  },
  {
    method: 'DELETE',
    path: '/volumes/{name}',
    handler: async (ctx, r, out) => {
      await removeVolume(await ctx.session(), r.params.name!, boolParam(r.query, 'force'));
      out.empty(204);
    },
  },
];
