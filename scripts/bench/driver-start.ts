import { daemonEnv } from '../../common/env';
import type { ContainerRuntime } from '../../runtime/contract';

/** The saga's driver calls in the saga's shape (rootfs, network, IPC and volumes at once), without Temporal. */
export async function driverStart(rt: ContainerRuntime, id: string): Promise<void> {
  const rec = await rt.lookup(id);
  await Promise.all([
    rt.acquire('mount-rootfs', { id: id }),
    rt.acquire('network', { id: id }),
    rt.acquire('ipc', { id: id }),
    rt.acquire('volumes', { id: id }),
  ]);
  await rt.acquire('spec', {
    id: id,
    env: daemonEnv({ hostname: rec.Config.Hostname, tty: false, linkedEnv: [], userEnv: rec.Config.Env }),
    extraHosts: [],
  });
  const { pid } = await rt.acquire('process', { id: id });
  await rt.markRunning(id, pid);
}

/** Times `f` in milliseconds. */
export async function time(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}
