import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError } from '../../../common/errors';
import type { IdRange } from '../../../config/userns-remap';
import type { RootfsPlan, VolumeMount } from '../../driver';
import { LayerStore } from '../../../layers/store';
import type { Layout } from '../layout';
import { runChecked } from './exec';
import { tool } from './tools';

/**
 * CONTAINER_SAGA_USERNS_REMAP's files (docs/security.md, Confinement): runc 1.1 has no idmapped mounts for the
 * rootfs, so each layer gets a copy with every owner shifted into the range (Docker's per-remap layer store),
 * and what the container's root must own or pass through is given to it.
 */

/** The remapped copies' own layer store: `<image store>/overlay-userns-<uid>-<gid>` (Docker's per-remap root). */
export function remappedStoreRoot(storeRoot: string, r: IdRange): string {
  return path.join(storeRoot, `overlay-userns-${r.uid}-${r.gid}`);
}

/**
 * The image's layers with owners shifted, each copied once per range on first use (`cp -a` into the remapped
 * store's temp directory, shift, rename: a crash leaves only a temp directory), and their lowerdir there.
 */
export async function remappedLower(plan: RootfsPlan, r: IdRange): Promise<{ cwd: string; lowerdir: string }> {
  const store = new LayerStore(remappedStoreRoot(plan.storeRoot, r));
  for (const l of plan.layers) {
    await store.ensureFrom(l.diffID, async (dir) => {
      await runChecked(`copy layer ${l.diffID} for the user namespace`, tool('cp'), ['-a', '--', `${l.dir}/.`, dir]);
      await shiftOwners(dir, r);
    });
  }
  return store.lowerdir(plan.layers.map((l) => l.diffID));
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
