import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  defineQuery,
  defineUpdate,
  makeContinueAsNewFunc,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import { baselineMemo } from '../common/baseline';
import { ErrorTypes } from '../common/errors';
import {
  HOST_NAME,
  HOSTS_MEMO,
  HOSTS_QUERY,
  HostsUpdates,
  type HostRegistration,
  type RegisterHostInput,
  type RemoveHostInput,
  type SetAvailabilityInput,
} from '../common/hosts-api';
import { checkInput } from './failures';

export interface HostsInput {
  /** carried over continue-as-new */
  hosts?: HostRegistration[];
}

/** Registrations kept in one run before it continues as new (each is an Update: a few events). */
const MAX_EVENTS = 1000;

function refuse(type: string, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

/**
 * The host registry: one long-lived workflow per shared task queue (`container-saga-hosts`). Each worker
 * registers its host at start-up (an Update-with-Start); `host drain`/`host activate` set a host's
 * availability; `host rm` forgets one (a decommissioned host: it registers again if its worker comes back);
 * the query and the memo (`hosts`) list them. Liveness is not kept here: it is the server's view of each host
 * queue's pollers, read when asked (activities/hosts.ts liveHosts).
 */
export async function containerHosts(input: HostsInput = {}): Promise<void> {
  checkInput('containerHosts', input);
  const hosts = new Map<string, HostRegistration>((input.hosts ?? []).map((h) => [h.name, h]));
  const list = () => [...hosts.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  // The memo carries the list too: describe() reads it from the server, with no worker in the way.
  const publish = () => upsertMemo({ [HOSTS_MEMO]: list() });
  publish();
  const checkName = (name: unknown) => {
    if (typeof name !== 'string' || !HOST_NAME.test(name))
      refuse(ErrorTypes.InvalidParameter, `invalid host name ${JSON.stringify(name)}`);
  };

  setHandler(
    defineUpdate<HostRegistration, [RegisterHostInput]>(HostsUpdates.register),
    (r) => {
      // A host that comes back keeps its availability: a drained host stays drained across restarts.
      const h: HostRegistration = {
        availability: 'active',
        ...hosts.get(r.name),
        name: r.name,
        driver: r.driver,
        registeredAt: new Date().toISOString(),
      };
      hosts.set(r.name, h);
      publish();
      return h;
    },
    {
      validator: (r) => {
        checkName(r?.name);
        if (typeof r.driver !== 'string') refuse(ErrorTypes.InvalidParameter, 'invalid driver');
      },
      description: "a worker's host, at its start-up",
    },
  );
  setHandler(
    defineUpdate<HostRegistration, [SetAvailabilityInput]>(HostsUpdates.setAvailability),
    (r) => {
      const h = { ...hosts.get(r.name)!, availability: r.availability };
      hosts.set(r.name, h);
      publish();
      return h;
    },
    {
      validator: (r) => {
        checkName(r?.name);
        if (r.availability !== 'active' && r.availability !== 'drain')
          refuse(
            ErrorTypes.InvalidParameter,
            `invalid availability ${JSON.stringify(r.availability)}: want active or drain`,
          );
        if (!hosts.has(r.name)) refuse(ErrorTypes.NoSuchHost, `No such host: ${r.name}`);
      },
      description: 'host drain (no new containers) or host activate',
    },
  );
  setHandler(
    defineUpdate<HostRegistration, [RemoveHostInput]>(HostsUpdates.remove),
    (r) => {
      const h = hosts.get(r.name)!;
      hosts.delete(r.name);
      publish();
      return h;
    },
    {
      validator: (r) => {
        checkName(r?.name);
        if (!hosts.has(r.name)) refuse(ErrorTypes.NoSuchHost, `No such host: ${r.name}`);
      },
      // Liveness is not known here (it is the pollers'): the client refuses a live host unless forced.
      description: 'host rm: forget a host (its worker registers it again at its next start-up)',
    },
  );
  setHandler(defineQuery<HostRegistration[]>(HOSTS_QUERY), list, {
    description: 'the registered hosts, by name',
  });

  await condition(() => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= MAX_EVENTS);
  await condition(allHandlersFinished);
  await makeContinueAsNewFunc<typeof containerHosts>({ memo: baselineMemo() })({ hosts: list() });
}
