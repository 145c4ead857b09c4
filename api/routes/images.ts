import { imageList } from '../../client/api';
import { imageFilter, narrowReferences } from '../convert/image-filters';
import { findImage, imageInspect, imageSummary } from '../convert/image-json';
import { ApiError, boolParam } from '../http';
import type { Route } from '../router';

/**
 * The image endpoints: the images imported on the worker's host (`container-saga image import`), listed and
 * inspected with Docker's fields. There is no registry: a pull is a 501 that says how images get here.
 */
export const imageRoutes: Route[] = [
  {
    method: 'GET',
    path: '/images/json',
    handler: async (ctx, r, out) => {
      boolParam(r.query, 'all'); // accepted: there are no intermediate images
      boolParam(r.query, 'digests');
      const images = await imageList(await ctx.session());
      const keep = imageFilter(r.query, images);
      const shown = images
        .filter(keep)
        .map(narrowReferences(r.query))
        .sort((a, b) => Date.parse(b.created) - Date.parse(a.created));
      out.json(200, shown.map(imageSummary));
    },
  },
  {
    method: 'GET',
    path: '/images/{image}/json',
    handler: async (ctx, r, out) => {
      out.json(200, imageInspect(findImage(await imageList(await ctx.session()), r.params.image!)));
    },
  },
  {
    method: 'POST',
    path: '/images/create',
    handler: async (_ctx, r) => {
      const from = r.query.get('fromImage') ?? r.query.get('fromSrc') ?? '';
      const tag = r.query.get('tag');
      const wanted = from && tag ? `${from}:${tag}` : from;
      throw new ApiError(
        501,
        `container-saga does not pull images${wanted ? ` (${wanted})` : ''}: import one on the worker's host with \`container-saga image import NAME SOURCE\` and use NAME or NAME:latest`,
      );
    },
  },
];
