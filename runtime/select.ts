import { ConfigError, type Config, type DriverChoice } from '../config';
import type { HostRuntime } from './host-runtime';
import { SimulatedRuntime, type SimulatedRuntimeConfig } from './simulated-runtime';

export type { DriverChoice } from '../config';

export interface Selected {
  runtime: HostRuntime;
  /** why this driver: printed by the worker so operators know what they run on */
  reason: string;
}

/** The runtime's configuration from the environment's (config/): host name, policy, the simulated OS. */
export function runtimeConfigOf(config: Config): SimulatedRuntimeConfig {
  return {
    host: config.host,
    bindAllow: config.bindAllow,
    policyAllow: config.policyAllow,
    simOs: config.simOs,
    usernsRemap: config.usernsRemap,
  };
}

/**
 * Picks the driver and makes the runtime over it with `config` (`simOs` only for the simulated driver):
 * CONTAINER_SAGA_DRIVER=simulated|linux forces one (linux fails loudly when it cannot work here); otherwise the Linux
 * driver whenever the host has what it needs, else the simulated one.
 */
export async function selectRuntime(
  choice: DriverChoice,
  root: string,
  config: SimulatedRuntimeConfig,
): Promise<Selected> {
  const noRemap = (why: string) => {
    if (config.usernsRemap) throw new ConfigError(`CONTAINER_SAGA_USERNS_REMAP needs the Linux driver (${why})`);
  };
  if (choice === 'simulated') {
    noRemap('CONTAINER_SAGA_DRIVER=simulated');
    return { runtime: new SimulatedRuntime(root, config), reason: 'CONTAINER_SAGA_DRIVER=simulated' };
  }
  // Loaded lazily: the simulated driver must work where the Linux one cannot even load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { linuxPrerequisites } = require('./drivers/linux/prereqs') as typeof import('./drivers/linux/prereqs');
  const pre = await linuxPrerequisites();
  if (!pre.ok) {
    if (choice === 'linux')
      throw new Error(`CONTAINER_SAGA_DRIVER=linux, but the Linux driver cannot run here: ${pre.reason}`);
    noRemap(pre.reason);
    return {
      runtime: new SimulatedRuntime(root, config),
      reason: `Linux driver unavailable (${pre.reason}); using the simulated driver`,
    };
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { LinuxRuntime } = require('./linux-runtime') as typeof import('./linux-runtime');
  const runtime = new LinuxRuntime(root, config);
  return {
    runtime,
    reason: choice === 'linux' ? 'CONTAINER_SAGA_DRIVER=linux' : 'root on Linux with runc and CNI plugins present',
  };
}
