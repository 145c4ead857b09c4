import { ApiError } from './http';
import type { ApiContext } from './router';

/** Why bytes stay on this machine: the Engine API spools them for the worker host it shares the machine with. */
export const spoolReason = (host: string) =>
  `the Engine API spools archives on its own machine, for the worker host ${host} (CONTAINER_SAGA_HOST, with the same CONTAINER_SAGA_ROOT)`;

/** The worker host (and its state root) this API shares a machine with, or a 501 saying that `what` needs one. */
export function spoolMachine(ctx: ApiContext, what: string): { host: string; root: string } {
  if (!ctx.machine)
    throw new ApiError(501, `${what} need the Engine API on a worker host: CONTAINER_SAGA_HOST is not valid here`);
  return ctx.machine;
}
