import { SimulatedDriver } from './drivers/simulated/driver';
import { HostRuntime, type HostRuntimeConfig } from './host-runtime';

export interface SimulatedRuntimeConfig extends HostRuntimeConfig {
  /** the OS the simulated host reports (CONTAINER_SAGA_SIM_OS); linux by default */
  readonly simOs?: 'linux' | 'windows';
}

/** The records and host steps over the simulated driver. */
export class SimulatedRuntime extends HostRuntime {
  constructor(root: string, config: SimulatedRuntimeConfig) {
    super(new SimulatedDriver(root, config.simOs), config);
  }
}
