import type { Route } from '../router';

export const eventRoutes: Route[] = [];
