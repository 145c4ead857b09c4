import type { RootfsPlan } from '../../driver';
import type { Layout } from '../layout';
import { mountAt, readMountInfo } from './mountinfo';
import { unmount } from './mounts';
import { probeProcess } from './process';

/**
 * The container's files for cp, export and commit. A running container's volumes and tmpfs are mounted by runc in
 * its own mount namespace, out of the host's sight: /proc/<pid>/root reaches them. A stopped container's rootfs is
 * not mounted: mounted for the call, unmounted after (Docker's Mount/Unmount around the copy).
 */
export async function processRoot(l: Layout, id: string): Promise<string | undefined> {
  const st = await probeProcess(l, id);
  return st.kind === 'running' ? `/proc/${st.pid}/root` : undefined;
}

export async function withRootfs<T>(
  l: Layout,
  id: string,
  plan: RootfsPlan,
  mount: (id: string, plan: RootfsPlan) => Promise<unknown>,
  fn: (rootfs: string) => Promise<T>,
): Promise<T> {
  const target = l.rootfs(id);
  if (mountAt(await readMountInfo(), target)) return fn(target);
  await mount(id, plan);
  try {
    return await fn(target);
  } finally {
    // a start that adopted the mount meanwhile keeps it
    const st = await probeProcess(l, id);
    if (st.kind !== 'running' && st.kind !== 'pending') await unmount(target, `unmount rootfs of ${id.slice(0, 12)}`);
  }
}
