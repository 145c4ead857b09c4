import type { Route } from '../router';

export const containerRoutes: Route[] = [];
