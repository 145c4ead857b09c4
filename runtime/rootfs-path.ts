import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError, Messages } from '../common/errors';

/**
 * mkdir -p of a container path inside a rootfs, resolving `..` and symlinks as the container would see them
 * (relative to the rootfs, never above it), like Docker's symlink.FollowSymlinkInScope. A non-directory in
 * the way is Docker's "Cannot mkdir: X is not a directory" (400). Returns the host path created.
 */
export async function mkdirInRoot(rootfs: string, containerPath: string): Promise<string> {
  const pending = containerPath.split('/').filter((p) => p !== '' && p !== '.');
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const host = path.join(rootfs, ...resolved, part);
    let st;
    try {
      st = await fs.lstat(host);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await fs.mkdir(host, { mode: 0o755 });
      resolved.push(part);
      continue;
    }
    if (st.isSymbolicLink()) {
      if (++links > 255) throw new ContainerError('InvalidParameter', `too many symlinks resolving ${containerPath}`);
      const target = await fs.readlink(host);
      // An absolute target restarts at the rootfs, not at the host's /.
      if (target.startsWith('/')) resolved.length = 0;
      pending.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'));
      continue;
    }
    if (!st.isDirectory()) throw new ContainerError('NotADirectory', Messages.notADirectory(containerPath));
    resolved.push(part);
  }
  return path.join(rootfs, ...resolved);
}
