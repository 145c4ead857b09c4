import { SimulatedDriver } from './drivers/simulated/driver';
import { HostRuntime } from './host-runtime';

/** The records and host steps over the simulated driver. CONTAINER_SAGA_SIM_OS=windows reports a Windows host. */
export class SimulatedRuntime extends HostRuntime {
  constructor(root: string, simOs: 'linux' | 'windows' = 'linux') {
    super(new SimulatedDriver(root, simOs));
  }
}
