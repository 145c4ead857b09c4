import { imageList } from '../../client/api';
import { imageFilter, narrowReferences } from '../convert/image-filters';
import { findImage, imageInspect, imageSummary } from '../convert/image-json';
import { boolParam } from '../http';
import type { Route } from '../router';
import { imageCreate } from './image-pull';

/**
 * The image endpoints: the hosts' images, listed and inspected with Docker's fields, and the pull
 * (image-pull.ts).
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
  { method: 'POST', path: '/images/create', handler: imageCreate },
];
