import type { CniNetwork } from './drivers/linux/cni';
import { LinuxDriver, type LinuxDriverOptions } from './drivers/linux/driver';
import type { Layout } from './drivers/layout';
import { HostRuntime, type HostRuntimeConfig } from './host-runtime';

/** The records and host steps over the Linux driver: what the worker runs as root. */
export class LinuxRuntime extends HostRuntime {
  declare readonly driver: LinuxDriver;

  constructor(root: string, config: HostRuntimeConfig, driverOpts: LinuxDriverOptions = {}) {
    super(new LinuxDriver(root, { remap: config.usernsRemap, ...driverOpts }), config);
  }

  get layout(): Layout {
    return this.driver.layout;
  }

  get network(): CniNetwork {
    return this.driver.network;
  }
}
