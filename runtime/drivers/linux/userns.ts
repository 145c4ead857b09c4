import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError } from '../../../common/errors';
import type { IdRange } from '../../../config/userns-remap';
import { exists } from '../../fsutil';
import type { VolumeMount } from '../../driver';
import type { Layout } from '../layout';
import { runChecked } from './exec';
import { tool } from './tools';

/**
 * CONTAINER_SAGA_USERNS_REMAP's files (docs/security.md, Confinement): runc 1.1 has no idmapped mounts for the
 * rootfs, so each image gets a copy with every owner shifted into the range (Docker's per-remap layer store),
 * and what the container's root must own or pass through is given to it.
 */

/** `<image>/userns-<uid>-<gid>`: beside the image, so replacing or removing the image takes it along. */
export function remappedRootfs(layout: Layout, image: string, r: IdRange): string {
  return path.join(layout.image(image), `userns-${r.uid}-${r.gid}`);
}

/**
 * The image's rootfs with owners shifted, made on first use: `cp -a` into a temp directory beside it, shift,
 * rename. A crash leaves only a `.userns-*` temp directory, never a half copy under the final name; two
 * starts racing both copy and the second rename loses (the first one's copy is used).
 */
export async function ensureRemappedImage(layout: Layout, image: string, r: IdRange): Promise<string> {
  const target = remappedRootfs(layout, image, r);
  if (await exists(target)) return target;
  const tmp = path.join(layout.image(image), `.userns-${randomBytes(6).toString('hex')}`);
  try {
    await runChecked(`copy ${image} for the user namespace`, tool('cp'), ['-a', '--', layout.imageRootfs(image), tmp]);
    await shiftOwners(tmp, r);
    await fs.rename(tmp, target).catch(async (err: NodeJS.ErrnoException) => {
      if (!(await exists(target))) throw err;
    });
    return target;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Every owner in the tree + the range's start (lchown: symlinks themselves). Each inode once (hardlinks), and
 * setuid/setgid bits put back, which the kernel clears on a chown.
 */
export async function shiftOwners(root: string, r: IdRange): Promise<void> {
  const seen = new Set<string>();
  const walk = async (p: string): Promise<void> => {
    const st = await fs.lstat(p);
    const key = `${st.dev}:${st.ino}`;
    if (!seen.has(key)) {
      seen.add(key);
      if (st.uid >= r.size || st.gid >= r.size)
        throw new ContainerError(
          'Internal',
          `${p} is owned by ${st.uid}:${st.gid}, outside the ${r.size} IDs the user namespace maps`,
        );
      await fs.lchown(p, r.uid + st.uid, r.gid + st.gid);
      if (!st.isSymbolicLink() && st.mode & 0o6000) await fs.chmod(p, st.mode & 0o7777);
    }
    if (st.isDirectory()) for (const e of await fs.readdir(p)) await walk(path.join(p, e));
  };
  await walk(root);
}

/**
 * The container's directories: the state root, containers/ and its own directory searchable (0710) by the
 * remapped root's group (runc's init walks to the rootfs from inside the namespace), nothing readable; the
 * overlay's upper layer, work dir and mount point owned by the remapped root (the upper's owner is the
 * rootfs's /).
 */
export async function prepareContainerDirs(layout: Layout, id: string, r: IdRange): Promise<void> {
  for (const d of [layout.root, layout.containers, layout.container(id)]) {
    await fs.mkdir(d, { recursive: true, mode: 0o700 });
    await fs.chown(d, 0, r.gid);
    await fs.chmod(d, 0o710);
  }
  for (const d of [layout.upper(id), layout.work(id), layout.rootfs(id)]) {
    await fs.mkdir(d, { recursive: true, mode: 0o755 });
    await fs.chown(d, r.uid, r.gid);
  }
}

/**
 * A named volume's directory is given to the remapped root when it still belongs to the host's root (first
 * use under the namespace; its content is not shifted). Bind sources are left as they are, as Docker does.
 */
export async function chownNamedVolumes(mounts: readonly VolumeMount[], r: IdRange): Promise<void> {
  for (const m of mounts) {
    if (m.kind !== 'volume') continue;
    const st = await fs.stat(m.source);
    if (st.uid === 0 && st.gid === 0) await fs.chown(m.source, r.uid, r.gid);
  }
}
