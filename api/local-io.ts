import type { ContainerRecord } from '../common/types';
import { Layout } from '../runtime/drivers/layout';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from '../runtime/stdio/detach-keys';
import { ApiError, badRequest } from './http';
import type { ApiContext } from './router';

/**
 * Stdin and terminals go from the Engine API to conmon through files of the worker host on the API's own
 * machine (runtime/stdio/): its attach sockets, ctl fifos and logs, under the state root a worker here has
 * (as image save and load spool there). A container on another host gets a 501 that says why.
 */

/** The layout of the container's host when it is this machine's; else the 501 for `what`. */
export function localLayout(ctx: ApiContext, rec: ContainerRecord, what: string): Layout {
  const host = rec.Node?.Name;
  if (!ctx.machine)
    throw new ApiError(501, `${what} needs the Engine API on a worker host: CONTAINER_SAGA_HOST is not valid here`);
  if (host !== undefined && host !== ctx.machine.host)
    throw new ApiError(
      501,
      `${what}: container ${rec.Id.slice(0, 12)} is on host ${host}, and the Engine API reaches a process's stdin and terminal only on its own machine's host ${ctx.machine.host}; use \`container-saga --host ${host}\` there`,
    );
  return new Layout(ctx.machine.root);
}

/** Docker's detach keys of a request (default ctrl-p,ctrl-q), or its 400 with `message(keys)`. */
export function detachKeysOf(keys: string | undefined | null, message: (keys: string) => string): Buffer {
  try {
    return parseDetachKeys(keys || DEFAULT_DETACH_KEYS);
  } catch {
    throw badRequest(message(keys!));
  }
}

/** Docker's `h` and `w` of a resize: numbers, else its strconv message. */
export function sizeOf(q: URLSearchParams): [number, number] {
  const num = (name: string) => {
    const v = q.get(name) ?? '';
    if (!/^\d+$/.test(v)) throw badRequest(`strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
    return Number(v);
  };
  return [num('h'), num('w')];
}
