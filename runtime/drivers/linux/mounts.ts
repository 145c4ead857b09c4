import { promises as fs } from 'node:fs';
import { ContainerError } from '../../../common/errors';
import type { StepContext } from '../../contract';
import { sleep } from '../../fsutil';
import { run, runChecked, toolOutput } from './exec';
import { mountAt, readMountInfo, superOption, type MountInfo } from './mountinfo';
import { tool } from './tools';
import { MOUNT_DATA_LIMIT } from '../../../layers/store';

/**
 * Host mounts of the driver (overlay rootfs, IPC tmpfs), all below the state root: mount(8) to create them,
 * /proc/self/mountinfo to see them (idempotency: mounted already → adopt; not mounted → nothing to undo).
 */

/** mount(8) splits options on ',' and overlay splits lowerdir on ':': such paths cannot be expressed. */
function checkOptionPath(p: string): void {
  if (/[,:\s]/.test(p))
    throw new ContainerError('Internal', `path not usable in mount options (contains ',', ':' or a space): ${p}`);
}

const privateRoots = new Map<string, Promise<void>>();

/**
 * Makes the state root a private mount, once per process and idempotently: bind it onto itself when it is
 * not a mount point, then `mount --make-rprivate`. Mounts made below it then neither propagate to other
 * mount namespaces (the cause of moby's "device or resource busy" on removal) nor receive theirs.
 */
export function ensurePrivateRoot(root: string): Promise<void> {
  let p = privateRoots.get(root);
  if (!p) {
    p = (async () => {
      await fs.mkdir(root, { recursive: true, mode: 0o700 });
      const mounts = await readMountInfo();
      const self = mountAt(mounts, root);
      if (!self) {
        // A bind over a root that already has mounts below it would hide them (they would leak, unreachable):
        // leave such a root as it is; it becomes private on the first start after they are released.
        if (mounts.some((m) => m.mountPoint.startsWith(`${root}/`))) return;
        await runChecked(`bind state root ${root}`, tool('mount'), ['--bind', root, root]);
      } else if (!self.optional.some((o) => o.startsWith('shared:') || o.startsWith('master:'))) return;
      await runChecked(`make state root ${root} private`, tool('mount'), ['--make-rprivate', root]);
    })();
    privateRoots.set(root, p);
    p.catch(() => privateRoots.delete(root)); // a failure is retried by the next caller
  }
  return p;
}

/**
 * Undoes ensurePrivateRoot (for tests and tools that delete a state root): unmounts the root's self-bind.
 * Refuses while anything is still mounted below the root.
 */
export async function releaseStateRoot(root: string): Promise<void> {
  const mounts = await readMountInfo();
  const below = mounts.filter((m) => m.mountPoint.startsWith(`${root}/`));
  if (below.length > 0)
    throw new ContainerError('Internal', `still mounted below ${root}: ${below.map((m) => m.mountPoint).join(', ')}`);
  privateRoots.delete(root);
  if (mountAt(mounts, root)) await unmount(root, `unmount state root ${root}`);
}

export interface OverlaySpec {
  /** lowerdir's value: layer directories top first, ':'-separated, relative to `cwd` when it is given */
  lower: string;
  cwd?: string;
  upper: string;
  work: string;
  target: string;
}

/**
 * Mounts an overlay at target, or adopts the one already there (a retry after a lost report). Something
 * else mounted there is an error, not adopted.
 */
export async function mountOverlay(o: OverlaySpec, what: string): Promise<void> {
  for (const p of [...o.lower.split(':'), o.upper, o.work, o.target]) checkOptionPath(p);
  const existing = mountAt(await readMountInfo(), o.target);
  if (existing) {
    if (existing.fsType === 'overlay' && superOption(existing, 'upperdir') === o.upper) return;
    throw new ContainerError(
      'Internal',
      `${what}: ${o.target} already has a ${existing.fsType} mount that is not this container's overlay`,
    );
  }
  const data = `lowerdir=${o.lower},upperdir=${o.upper},workdir=${o.work}`;
  // mount(2) takes one page of options: an image with more layers than fit cannot be mounted (overlay2's limit)
  if (data.length >= MOUNT_DATA_LIMIT)
    throw new ContainerError(
      'InvalidParameter',
      `${what}: max depth exceeded: ${o.lower.split(':').length} layers do not fit one overlay mount`,
      { retryable: false },
    );
  await Promise.all([o.upper, o.work, o.target].map((d) => fs.mkdir(d, { recursive: true })));
  await runChecked(
    what,
    tool('mount'),
    ['-t', 'overlay', 'overlay', '-o', `lowerdir=${o.lower},upperdir=${o.upper},workdir=${o.work}`, o.target],
    o.cwd ? { cwd: o.cwd } : {},
  );
}

/** Mounts a tmpfs at target with options, or adopts the tmpfs already there. */
export async function mountTmpfs(target: string, options: string, what: string): Promise<void> {
  const existing = mountAt(await readMountInfo(), target);
  if (existing) {
    if (existing.fsType === 'tmpfs') return;
    throw new ContainerError('Internal', `${what}: ${target} already has a ${existing.fsType} mount`);
  }
  await fs.mkdir(target, { recursive: true });
  await runChecked(what, tool('mount'), ['-t', 'tmpfs', '-o', options, 'shm', target]);
}

/**
 * Unmounts everything stacked at target; succeeds when nothing is mounted there (idempotent). A busy mount
 * is retried for about a second; only then, as the last resort, it is detached (umount -l): the mount point
 * is freed at once and the filesystem goes when its last user does. Never used before the retries.
 */
export async function unmount(target: string, what: string, ctx?: StepContext, mounts?: MountInfo[]): Promise<void> {
  let table = mounts ?? (await readMountInfo());
  let busyTries = 0;
  let notMounted = 0;
  while (mountAt(table, target)) {
    const r = await run(tool('umount'), [target]);
    if (r.code !== 0) {
      const out = toolOutput(r);
      if (/not mounted|no mount point specified/i.test(out)) {
        // Raced with another unmount: look again. Listed yet never reachable: a mount hidden under another
        // one, which this path cannot reach; say so rather than loop.
        if (++notMounted > 3)
          throw new ContainerError(
            'Internal',
            `${what}: ${target} is listed in mountinfo but not reachable (hidden under another mount)`,
          );
      } else if (/busy/i.test(out) && busyTries < 50) {
        busyTries++;
        ctx?.progress?.(`${target} busy, retrying unmount`);
        await sleep(20);
      } else if (/busy/i.test(out)) {
        await runChecked(`${what} (lazy, after ${busyTries} busy retries)`, tool('umount'), ['-l', target]);
      } else {
        throw new ContainerError('Internal', `${what}: ${out}`);
      }
    }
    table = await readMountInfo();
  }
}
