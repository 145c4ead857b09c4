import { getConfig } from '../config';
import { SimulatedRuntime, type SimulatedRuntimeConfig } from '../runtime/simulated-runtime';

/**
 * A simulated host's runtime on `root`, as the tests make it: the host name a worker would have
 * (CONTAINER_SAGA_HOST, else this machine's), unless `config` names one. Fault injection is the worker's
 * (startTestWorker turns it on); a test that calls the runtime itself with a fault label allows it here.
 */
export function simulatedRuntime(root: string, config: Partial<SimulatedRuntimeConfig> = {}): SimulatedRuntime {
  return new SimulatedRuntime(root, { host: getConfig().host, ...config });
}
