import type { Route } from '../router';

export const execRoutes: Route[] = [];
