import { WorkflowTypes } from '../common/names';
import type {
  NetworkConnectInput,
  NetworkCreateInput,
  NetworkDisconnectInput,
  NetworkPruneInput,
} from '../common/network-api';
import { plainMetadata } from '../common/workflow-metadata';
// Types only: the workflows run in the worker's sandbox and are started by registered name.
import type {
  networkConnect,
  networkCreate,
  networkDisconnect,
  networkPrune,
  networkRemove,
} from '../workflows/network-verbs';
import { run } from './api';
import { read } from './reads';
import type { Session } from './connection';

/** The network verbs (workflows/network-verbs.ts) and reads (workflows/network-reads.ts). */

const everyHost = (host: string | undefined): [string, string] => ['host', host ?? 'every live host'];

/** docker network create: `{Id, Warning}`, and the hosts it was made on */
export const createNetwork = (s: Session, input: NetworkCreateInput) =>
  run<typeof networkCreate>(
    s,
    WorkflowTypes.networkCreate,
    { args: [input] },
    {
      meta: plainMetadata('network create', input.request.Name, [
        ['network', input.request.Name],
        everyHost(input.host),
      ]),
    },
  );

/** docker network rm NETWORK */
export const removeNetwork = (s: Session, network: string, host?: string) =>
  run<typeof networkRemove>(
    s,
    WorkflowTypes.networkRemove,
    { args: [host === undefined ? { network } : { network, host }] },
    { meta: plainMetadata('network rm', network, [['network', network], everyHost(host)]) },
  );

/** docker network prune */
export const pruneNetworks = (s: Session, input: NetworkPruneInput) =>
  run<typeof networkPrune>(
    s,
    WorkflowTypes.networkPrune,
    { args: [input] },
    { meta: plainMetadata('network prune', undefined, [everyHost(input.host)]) },
  );

/** docker network connect */
export const connectNetwork = (s: Session, input: NetworkConnectInput) =>
  run<typeof networkConnect>(
    s,
    WorkflowTypes.networkConnect,
    { args: [input] },
    {
      meta: plainMetadata('network connect', `${input.network} ${input.container}`, [
        ['network', input.network],
        ['container', input.container],
      ]),
    },
  );

/** docker network disconnect */
export const disconnectNetwork = (s: Session, input: NetworkDisconnectInput) =>
  run<typeof networkDisconnect>(
    s,
    WorkflowTypes.networkDisconnect,
    { args: [input] },
    {
      meta: plainMetadata(
        input.force ? 'network disconnect -f' : 'network disconnect',
        `${input.network} ${input.container}`,
        [
          ['network', input.network],
          ['container', input.container],
        ],
      ),
    },
  );

export const networkList = (s: Session) => read(s, 'networkList', {});
export const networkInspect = (s: Session, network: string) => read(s, 'networkInspect', { network });
