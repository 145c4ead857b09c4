import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runChecked } from '../../runtime/drivers/linux/exec';
import { buildBusybox } from '../../images/busybox';
import { tool } from '../../runtime/drivers/linux/tools';
import type { DockerCli } from './docker-cli';

/**
 * Docker's `busybox` image, built the way the Linux driver's `importImage('busybox', 'busybox-static')` builds
 * ours (the host's static busybox, a symlink per applet, /etc/passwd and group), tarred and `docker import`ed.
 * Both sides then run the same binary from the same tree. `work` is a scratch dir, emptied afterwards.
 */
export async function importBusybox(docker: DockerCli, work: string): Promise<string> {
  const rootfs = path.join(work, 'rootfs');
  const tarball = path.join(work, 'busybox.tar');
  try {
    await fs.mkdir(rootfs, { recursive: true, mode: 0o755 });
    await buildBusybox(rootfs);
    await runChecked('tar the busybox rootfs', tool('tar'), ['-C', rootfs, '--numeric-owner', '-cf', tarball, '.']);
    return await docker.ok(['import', tarball, 'busybox']);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}
