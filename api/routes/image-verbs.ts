import { imageList } from '../../client/api';
import { pruneImages, removeImage, tagImage } from '../../client/image-verbs-api';
import { imageHistory } from '../../images/history';
import { findImage } from '../convert/image-json';
import { pruneInput } from '../convert/image-prune';
import { badRequest, boolParam } from '../http';
import type { Route } from '../router';

/** tag, rmi, prune and history (workflows/image-verbs.ts; history from the listing, images/history.ts). */
export const imageVerbRoutes: Route[] = [
  {
    method: 'POST',
    path: '/images/{image}/tag',
    handler: async (ctx, r, out) => {
      const repo = r.query.get('repo') ?? '';
      const tag = r.query.get('tag') ?? '';
      if (repo === '') throw badRequest('repository name must have at least one component');
      await tagImage(await ctx.session(), r.params.image!, tag ? `${repo}:${tag}` : repo);
      out.empty(201);
    },
  },
  {
    method: 'DELETE',
    path: '/images/{image}',
    handler: async (ctx, r, out) => {
      const force = boolParam(r.query, 'force');
      const noprune = boolParam(r.query, 'noprune');
      out.json(200, await removeImage(await ctx.session(), r.params.image!, { force, noprune }));
    },
  },
  {
    method: 'POST',
    path: '/images/prune',
    handler: async (ctx, r, out) => {
      out.json(200, await pruneImages(await ctx.session(), pruneInput(r.query)));
    },
  },
  {
    method: 'GET',
    path: '/images/{image}/history',
    handler: async (ctx, r, out) => {
      out.json(200, imageHistory(findImage(await imageList(await ctx.session()), r.params.image!)));
    },
  },
];
