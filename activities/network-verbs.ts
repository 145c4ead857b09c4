import { checkWorkflowInput } from '../common/input-check';
import type {
  NetworkCreateOnHost,
  NetworkPruneInput,
  NetworkPruneResult,
  NetworkConnectInput,
  NetworkDisconnectInput,
  NetworkRemoveInput,
  NetworkResource,
} from '../common/network-api';
import type { NetworkRecord } from '../common/network-types';
import type { ContainerRecord } from '../common/types';
import type { HostRuntime } from '../runtime/host-runtime';
import { connectNetwork, disconnectNetwork } from '../runtime/network-connect';
import { createNetwork, listNetworks, pruneNetworks, removeNetwork } from '../runtime/network-verbs';
import { Context } from '@temporalio/activity';
import { isOwnerAlive } from './owner';
import { classified } from './to-failure';

/** A recorded start claim is live while its workflow run still runs (connect and disconnect refuse to race it). */
const isStarting = async (rec: ContainerRecord) => rec.StartingBy !== undefined && (await isOwnerAlive(rec.StartingBy));
/** A retry finds done what its earlier attempt did (its report lost): success, not Docker's refusal. */
const connectOptions = () => ({ isStarting, retried: Context.current().info.attempt > 1 });

/** The network verbs on one host (runtime/network-verbs.ts, network-connect.ts). */
export function createNetworkVerbActivities(runtime: HostRuntime) {
  return {
    async createNetwork(input: NetworkCreateOnHost): Promise<NetworkRecord> {
      return classified(async () => {
        checkWorkflowInput('networkCreateOnHost', input);
        return createNetwork(runtime, input);
      });
    },
    async listNetworks(): Promise<NetworkResource[]> {
      return classified(() => listNetworks(runtime));
    },
    /** rm; with dryRun only its checks, so the workflow asks every host before one acts */
    async removeNetwork(input: Omit<NetworkRemoveInput, 'host'>): Promise<{ id: string; name: string }> {
      return classified(async () => {
        checkWorkflowInput('networkRemove', input);
        const net = await removeNetwork(runtime, input.network, input.dryRun);
        return { id: net.Id, name: net.Name };
      });
    },
    async pruneNetworks(input: Omit<NetworkPruneInput, 'host'>): Promise<NetworkPruneResult> {
      return classified(async () => {
        checkWorkflowInput('networkPrune', input);
        return pruneNetworks(runtime, input);
      });
    },
    async connectToNetwork(input: NetworkConnectInput): Promise<{ containerId: string; networkId: string }> {
      return classified(async () => {
        checkWorkflowInput('networkConnect', input);
        const r = await connectNetwork(runtime, input.network, input.container, input.config, connectOptions());
        return { containerId: r.containerId, networkId: r.network.Id };
      });
    },
    async disconnectFromNetwork(input: NetworkDisconnectInput): Promise<{ containerId: string; networkId: string }> {
      return classified(async () => {
        checkWorkflowInput('networkDisconnect', input);
        const r = await disconnectNetwork(runtime, input.network, input.container, input.force, connectOptions());
        return { containerId: r.containerId, networkId: r.network?.Id ?? '' };
      });
    },
  };
}

export type NetworkVerbActivities = ReturnType<typeof createNetworkVerbActivities>;
