import { getConfig, type DriverChoice } from '../config';
import type { HostRuntime } from './host-runtime';
import { SimulatedRuntime } from './simulated-runtime';

export type { DriverChoice } from '../config';

export interface Selected {
  runtime: HostRuntime;
  /** why this driver: printed by the worker so operators know what they run on */
  reason: string;
}

/**
 * Picks the driver: CONTAINER_SAGA_DRIVER=simulated|linux forces one (linux fails loudly when it cannot
 * work here); otherwise the Linux driver whenever the host has what it needs, else the simulated one.
 */
export async function selectRuntime(choice: DriverChoice, root: string): Promise<Selected> {
  if (choice === 'simulated') {
    return { runtime: simulated(root), reason: 'CONTAINER_SAGA_DRIVER=simulated' };
  }
  // Loaded lazily: the simulated driver must work where the Linux one cannot even load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { linuxPrerequisites } = require('./drivers/linux/prereqs') as typeof import('./drivers/linux/prereqs');
  const pre = await linuxPrerequisites();
  if (!pre.ok) {
    if (choice === 'linux') throw new Error(`CONTAINER_SAGA_DRIVER=linux, but the Linux driver cannot run here: ${pre.reason}`);
    return { runtime: simulated(root), reason: `Linux driver unavailable (${pre.reason}); using the simulated driver` };
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { LinuxRuntime } = require('./linux-runtime') as typeof import('./linux-runtime');
  const runtime = new LinuxRuntime(root);
  return { runtime, reason: choice === 'linux' ? 'CONTAINER_SAGA_DRIVER=linux' : 'root on Linux with runc and CNI plugins present' };
}

function simulated(root: string): HostRuntime {
  return new SimulatedRuntime(root, getConfig().simOs);
}
