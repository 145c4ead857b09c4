import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError, Messages } from '../../../common/errors';
import { isImageName } from '../../../common/input-check';
import type { ImageInfo } from '../../../common/types';
import { readJson, writeJsonAtomic } from '../../fsutil';
import { runChecked } from './exec';
import type { Layout } from '../layout';
import { readMountInfo } from './mountinfo';
import { BUSYBOX, tool } from './tools';

/**
 * Images: a rootfs directory and an image.json (ImageInfo + source) per name under <root>/images. Sources:
 * `busybox-static` (a rootfs built from the host's static busybox), a rootfs tarball (tar -xf, compression
 * detected by tar) or a directory (cp -a).
 */
export const BUSYBOX_SOURCE = 'busybox-static';

interface StoredImage extends ImageInfo {
  source: string;
}

export async function checkImage(layout: Layout, name: string): Promise<void> {
  if (!(await readJson<StoredImage>(path.join(layout.image(name), 'image.json')))) {
    throw new ContainerError('NoSuchImage', Messages.noSuchImage(name));
  }
}

export async function listImages(layout: Layout): Promise<ImageInfo[]> {
  const dirs = (await fs.readdir(layout.images).catch(() => [] as string[])).filter((d) => !d.startsWith('.'));
  const infos = await Promise.all(dirs.map((d) => readJson<StoredImage>(path.join(layout.images, d, 'image.json'))));
  return infos
    .filter((i): i is StoredImage => i !== undefined)
    .map(({ name, created, sizeBytes }) => ({ name, created, sizeBytes }));
}

/**
 * Imports an image. Importing the same source under the same name again returns the existing image
 * (idempotent). A new source replaces the image, atomically (build aside, then rename), unless a mounted
 * container rootfs uses it as its lower layer (Conflict 409: overlay lowers must not change under a mount).
 */
export async function importImage(layout: Layout, name: string, source: string): Promise<ImageInfo> {
  if (!isImageName(name)) throw new ContainerError('InvalidParameter', `invalid image name: ${name}`);
  const dir = layout.image(name);
  const existing = await readJson<StoredImage>(path.join(dir, 'image.json'));
  if (existing && existing.source === source)
    return { name: existing.name, created: existing.created, sizeBytes: existing.sizeBytes };
  if (existing) {
    // the image's rootfs or a copy of it beside it (userns.ts)
    const users = (await readMountInfo()).filter(
      (m) => m.fsType === 'overlay' && m.superOptions.split(',').some((o) => o.startsWith(`lowerdir=${dir}/`)),
    );
    if (users.length > 0) {
      throw new ContainerError(
        'Conflict',
        `image ${name} is in use by ${users.length} mounted container rootfs; remove those containers first`,
      );
    }
  }

  await fs.mkdir(layout.images, { recursive: true });
  const tmp = path.join(layout.images, `.import-${randomBytes(6).toString('hex')}`);
  const rootfs = path.join(tmp, 'rootfs');
  try {
    await fs.mkdir(rootfs, { recursive: true, mode: 0o755 });
    if (source === BUSYBOX_SOURCE) await buildBusybox(rootfs);
    else {
      const st = await fs.stat(source).catch(() => undefined);
      if (!st) throw new ContainerError('InvalidParameter', `image source not found: ${source}`);
      if (st.isDirectory())
        await runChecked(`import ${name} from ${source}`, tool('cp'), ['-a', '--', `${source}/.`, `${rootfs}/`]);
      else
        await runChecked(`import ${name} from ${source}`, tool('tar'), [
          '-xf',
          source,
          '-C',
          rootfs,
          '--numeric-owner',
        ]);
    }
    const info: StoredImage = { name, created: new Date().toISOString(), sizeBytes: await diskUsage(rootfs), source };
    await writeJsonAtomic(path.join(tmp, 'image.json'), info);
    if (existing) {
      const old = path.join(layout.images, `.old-${randomBytes(6).toString('hex')}`);
      await fs.rename(dir, old);
      await fs.rename(tmp, dir);
      await fs.rm(old, { recursive: true, force: true });
    } else {
      await fs.rename(tmp, dir);
    }
    return { name, created: info.created, sizeBytes: info.sizeBytes };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

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

/** Bytes used by the files of a tree (symlinks counted by their own size). */
async function diskUsage(dir: string): Promise<number> {
  let total = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await diskUsage(p);
    else total += (await fs.lstat(p)).size;
  }
  return total;
}
