import { Router } from '../router';
import { containerRoutes } from './containers';
import { containerVerbRoutes } from './container-verbs';
import { eventRoutes } from './events';
import { execRoutes } from './exec';
import { imageArchiveRoutes } from './image-archive';
import { imageRoutes } from './images';
import { imageVerbRoutes } from './image-verbs';
import { networkRoutes } from './networks';
import { streamRoutes } from './streams';
import { systemRoutes } from './system';
import { volumeRoutes } from './volumes';

/** Every route the Engine API serves (docs/engine-api.md has the table). */
export function engineRouter(): Router {
  return new Router().add(
    ...systemRoutes,
    ...containerRoutes,
    ...containerVerbRoutes,
    ...streamRoutes,
    ...execRoutes,
    ...eventRoutes,
    ...imageArchiveRoutes,
    ...imageRoutes,
    ...imageVerbRoutes,
    ...volumeRoutes,
    ...networkRoutes,
  );
}
