import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError, Messages } from '../common/errors';

/**
 * A container path inside a rootfs, resolving `..` and symlinks as the container would see them (relative to
 * the rootfs, never above it), like Docker's symlink.FollowSymlinkInScope. `missing`: what to do with a
 * component that does not exist (mkdir it, or stop: undefined).
 */
async function resolveInRoot(
  rootfs: string,
  containerPath: string,
  missing: 'mkdir' | 'stop',
): Promise<string | undefined> {
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
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && !(missing === 'stop' && code === 'ENOTDIR')) throw err;
      if (missing === 'stop') return undefined;
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
    if (pending.length === 0 && missing === 'stop') return host;
    if (!st.isDirectory()) {
      if (missing === 'stop') return undefined;
      throw new ContainerError('NotADirectory', Messages.notADirectory(containerPath));
    }
    resolved.push(part);
  }
  return path.join(rootfs, ...resolved);
}

/**
 * mkdir -p of a container path inside a rootfs (no escape through symlinks or `..`). A non-directory in the
 * way is Docker's "Cannot mkdir: X is not a directory" (400). Returns the host path created.
 */
export async function mkdirInRoot(rootfs: string, containerPath: string): Promise<string> {
  return (await resolveInRoot(rootfs, containerPath, 'mkdir'))!;
}

/** A regular file's text at a container path inside a rootfs (symlinks resolved in it); undefined when absent. */
export async function readInRoot(
  rootfs: string,
  containerPath: string,
  maxBytes = 16 << 20,
): Promise<string | undefined> {
  const host = await resolveInRoot(rootfs, containerPath, 'stop');
  if (host === undefined) return undefined;
  // O_NOFOLLOW: the last component was checked not to be a link; refuse one put there since
  const fh = await fs.open(host, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((err) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  });
  if (!fh) return undefined;
  try {
    const st = await fh.stat();
    if (!st.isFile()) return undefined;
    if (st.size > maxBytes)
      throw new ContainerError('StartFailed', `${containerPath} is too large (${st.size} bytes)`, { retryable: false });
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

/**
 * The host path of a container path inside a rootfs, every link (the last too) resolved inside it; undefined when a
 * component is missing or not a directory on the way (cp, export: runtime/archive/).
 */
export function resolvePathInRoot(rootfs: string, containerPath: string): Promise<string | undefined> {
  return resolveInRoot(rootfs, containerPath, 'stop');
}
