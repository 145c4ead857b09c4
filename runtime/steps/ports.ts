import { ContainerError } from '../../common/errors';
import { portMap, portRequests } from '../../common/ports';
import type { ContainerRecord, PortMap } from '../../common/types';
import type { StepContext } from '../contract';
import type { StepEnv } from './types';

/**
 * The network step's published ports (Docker's port mapping in initializeNetworking): once the container's bridge
 * address is there, each binding (-p, and -P's ephemeral ones) is published to it; the result is Docker's
 * NetworkSettings.Ports (every exposed port, null when not published). Released before the network goes.
 */
export async function publishPorts(
  env: StepEnv,
  rec: ContainerRecord,
  ip: string,
  ctx?: StepContext,
): Promise<PortMap> {
  const exposed = rec.Config.ExposedPorts ?? {};
  const requests = portRequests(exposed, rec.HostConfig.PortBindings, rec.HostConfig.PublishAllPorts);
  if (requests.length === 0) return portMap(exposed, []);
  try {
    return portMap(exposed, await env.driver.publishPorts(rec.Id, ip, requests, ctx));
  } catch (err) {
    // Docker's whole message: the endpoint is the container's
    if (err instanceof ContainerError && err.type === 'StartFailed')
      throw new ContainerError(
        'StartFailed',
        `driver failed programming external connectivity on endpoint ${rec.Name.slice(1)} (${rec.Id}): ${err.message}`,
        { retryable: false },
      );
    throw err;
  }
}
