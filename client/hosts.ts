import {
  hostsWorkflowId,
  HostsUpdates,
  type HostAvailability,
  type HostRegistration,
  type RemoveHostInput,
  type SetAvailabilityInput,
} from '../common/hosts-api';
import type { Session } from './connection';
import { CliError, toCliError } from './errors';
import { read } from './reads';
import { ensureWorker } from './worker-check';

/** The verbs of the task queue's host registry (workflows/hosts.ts): host ls, drain, activate, rm. */

/** host ls: every registered host, live or not, with its own counts when it is live (a read, as ps). */
export const hostList = (s: Session) => read(s, 'hosts', {});

/**
 * host drain / host activate: an Update of the task queue's host registry (workflows/hosts.ts), which refuses
 * a host it does not know (NoSuchHost, 404) and a malformed name (InvalidParameter, 400). A drained host
 * keeps its containers and takes no new ones (Swarm's node availability).
 */
export const setHostAvailability = (s: Session, name: string, availability: HostAvailability) =>
  registryUpdate<SetAvailabilityInput>(s, name, HostsUpdates.setAvailability, { name, availability });

/**
 * host rm (Docker's `node rm`): the registry forgets a host that is down. A live one is refused (Conflict,
 * 409) unless forced; forced, its worker runs on unregistered until its next start-up registers it again.
 * Either way its containers stay in its state root, and the host is listed again once its worker registers.
 */
export async function removeHost(s: Session, name: string, force = false): Promise<HostRegistration> {
  if (!force && (await hostList(s)).some((h) => h.name === name && h.live)) {
    throw new CliError(`host ${name} is not down and can't be removed (stop its worker first, or use --force)`, {
      type: 'Conflict',
      status: 409,
    });
  }
  return registryUpdate<RemoveHostInput>(s, name, HostsUpdates.remove, { name });
}

async function registryUpdate<I>(s: Session, name: string, update: string, input: I): Promise<HostRegistration> {
  // Required, not imported: see toCliError (the Temporal client is loaded once a session exists).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { WorkflowNotFoundError } = require('@temporalio/client') as typeof import('@temporalio/client');
  try {
    await ensureWorker(s);
    return await s.client.workflow
      .getHandle(hostsWorkflowId(s.taskQueue))
      .executeUpdate<HostRegistration, [I]>(update, { args: [input] });
  } catch (err) {
    // No registry yet: no worker has registered a host on this task queue, so this one is not known either.
    if (err instanceof WorkflowNotFoundError)
      throw new CliError(`No such host: ${name}`, { type: 'NoSuchHost', status: 404 });
    throw toCliError(err, s.address);
  }
}
