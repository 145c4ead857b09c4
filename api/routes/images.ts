import type { Route } from '../router';

export const imageRoutes: Route[] = [];
