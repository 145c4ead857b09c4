import { Router } from '../router';
import { containerRoutes } from './containers';
import { eventRoutes } from './events';
import { execRoutes } from './exec';
import { imageRoutes } from './images';
import { streamRoutes } from './streams';
import { systemRoutes } from './system';

/** Every route the Engine API serves (README "Docker Engine API" has the table). */
export function engineRouter(): Router {
  return new Router().add(...systemRoutes, ...containerRoutes, ...streamRoutes, ...execRoutes, ...eventRoutes, ...imageRoutes);
}
