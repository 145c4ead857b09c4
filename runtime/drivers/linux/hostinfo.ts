import { promises as fs } from 'node:fs';
import os from 'node:os';
import type { HostInfo } from '../../../common/settings';

/** The cgroup controllers usable here: cgroup v2's cgroup.controllers, else v1's enabled /proc/cgroups. */
export async function cgroupControllers(): Promise<{ version: 1 | 2; controllers: Set<string> }> {
  try {
    const text = await fs.readFile('/sys/fs/cgroup/cgroup.controllers', 'utf8');
    return { version: 2, controllers: new Set(text.trim().split(/\s+/).filter(Boolean)) };
  } catch {
    // not a unified (v2) hierarchy: fall back to v1
  }
  const text = await fs.readFile('/proc/cgroups', 'utf8').catch(() => '');
  const controllers = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.trim()) continue;
    const [name, , , enabled] = line.split(/\s+/);
    if (name && enabled === '1') controllers.add(name);
  }
  return { version: 1, controllers };
}

const exists = (p: string) =>
  fs.access(p).then(
    () => true,
    () => false,
  );

/** Swap limits: v1's memory.memsw files (swapaccount); v2's memory.swap.max, in any non-root cgroup. */
async function swapLimit(version: 1 | 2, memory: boolean): Promise<boolean> {
  if (!memory) return false;
  if (version === 1) return exists('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes');
  const own = (await fs.readFile('/proc/self/cgroup', 'utf8').catch(() => '')).match(/^0::(.*)$/m)?.[1];
  return exists(`/sys/fs/cgroup${own && own !== '/' ? own : '/init.scope'}/memory.swap.max`);
}

export async function linuxHostInfo(): Promise<HostInfo> {
  const { version, controllers } = await cgroupControllers();
  const apparmor = await fs.readFile('/sys/module/apparmor/parameters/enabled', 'utf8').catch(() => '');
  return {
    os: 'linux',
    cpus: os.availableParallelism?.() ?? os.cpus().length,
    memoryBytes: os.totalmem(),
    cgroupMemory: controllers.has('memory'),
    cgroupCpu: controllers.has('cpu'),
    cgroupPids: controllers.has('pids'),
    cgroupVersion: version,
    swapLimit: await swapLimit(version, controllers.has('memory')),
    oomKillDisable: version === 1 && (await exists('/sys/fs/cgroup/memory/memory.oom_control')),
    appArmor: apparmor.trim() === 'Y',
    selinux: await exists('/sys/fs/selinux/enforce'),
  };
}
