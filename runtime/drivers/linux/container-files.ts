import { promises as fs } from 'node:fs';
import { ContainerError } from '../../../common/errors';
import { execsDir } from '../../exec-layout';
import { logSidecars } from '../../log-index';
import { netnsName, short, type Layout } from '../layout';
import { mountsUnder, readMountInfo } from './mountinfo';
import { processFiles } from './process';

/** The container's own files, once everything is released: refused while anything under them is mounted. */
export async function removeContainerFiles(l: Layout, id: string): Promise<void> {
  const mounted = mountsUnder(await readMountInfo(), l.container(id), { includeSelf: true });
  if (mounted.length > 0) {
    throw new ContainerError(
      'Internal',
      `remove ${short(id)}: still mounted: ${mounted.map((m) => m.mountPoint).join(', ')}`,
    );
  }
  const files = [
    l.rootfs(id),
    l.upper(id),
    l.work(id),
    l.shm(id),
    l.bundle(id),
    l.cniResult(id),
    ...processFiles(l, id),
    l.log(id),
    execsDir(l, id),
    ...(await logSidecars(l.log(id))),
  ];
  await Promise.all(files.map((f) => fs.rm(f, { recursive: true, force: true })));
  await fs.rm(l.netnsMarker(netnsName(id)), { force: true });
  await fs.rm(l.faultCounters(id), { recursive: true, force: true });
}
