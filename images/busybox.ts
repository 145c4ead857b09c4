import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runChecked } from '../runtime/drivers/linux/exec';
import { BUSYBOX } from '../runtime/drivers/linux/tools';

/** `image import NAME busybox-static`: the image built from the host's static busybox, with Docker's Cmd. */
export const BUSYBOX_SOURCE = 'busybox-static';

/**
 * A minimal rootfs around the host's static busybox: bin/busybox with a symlink per applet, /etc/passwd and
 * /etc/group, the mount points runc needs and placeholders for the files the spec binds over. `npm run bench`
 * builds Docker's busybox image from the same tree.
 */
export async function buildBusybox(rootfs: string): Promise<void> {
  const r = await runChecked('list busybox applets', BUSYBOX, ['--list']);
  const applets = r.stdout
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'busybox' && !s.includes('/'));
  for (const d of ['bin', 'etc', 'dev', 'proc', 'sys', 'root', 'var', 'run', 'usr', 'usr/bin', 'sbin']) {
    await fs.mkdir(path.join(rootfs, d), { recursive: true, mode: 0o755 });
  }
  await fs.mkdir(path.join(rootfs, 'tmp'), { mode: 0o1777 });
  await fs.chmod(path.join(rootfs, 'tmp'), 0o1777);
  await fs.chmod(path.join(rootfs, 'root'), 0o700);
  await fs.copyFile(BUSYBOX, path.join(rootfs, 'bin', 'busybox'));
  await fs.chmod(path.join(rootfs, 'bin', 'busybox'), 0o755);
  await Promise.all(applets.map((a) => fs.symlink('busybox', path.join(rootfs, 'bin', a))));
  const files: Record<string, string> = {
    'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
    'etc/group': 'root:x:0:\nnogroup:x:65534:\n',
    'etc/hosts': '',
    'etc/hostname': '',
    'etc/resolv.conf': '',
  };
  for (const [f, text] of Object.entries(files)) await fs.writeFile(path.join(rootfs, f), text, { mode: 0o644 });
}
