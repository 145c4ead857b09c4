import type { Route } from '../router';

export const streamRoutes: Route[] = [];
