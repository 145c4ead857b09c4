import { promises as fs } from 'node:fs';
import path from 'node:path';
import { containerAbsPath, goFileMode, type PathStat } from '../../common/archive-api';
import { ContainerError } from '../../common/errors';
import { resolvePathInRoot } from '../rootfs-path';

/** A container path found in the container's root: where it is on the host, and Docker's stat of it. */
export interface FoundPath {
  /** absolute, clean, with the trailing `/` or `/.` the caller gave (Docker's absPath) */
  absPath: string;
  /** the host path: the directory resolved in the root, the last component not followed (unless `/` or `/.`) */
  host: string;
  stat: PathStat;
}

/** Docker's containerFileNotFound (404): the path as the client gave it, the container as named. */
export function fileNotFound(p: string, container: string): ContainerError {
  return new ContainerError('NoSuchContainer', `Could not find the file ${p} in container ${container}`);
}

/** Go's RFC3339Nano of a time in nanoseconds since the epoch, UTC. */
export function rfc3339Nano(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, frac ? `.${frac}Z` : 'Z');
}

/** The container path of a host path inside `root`. */
export const inContainer = (root: string, host: string): string => `/${path.relative(root, host)}`;

/**
 * Docker's ResolvePath + StatPath: the directory part resolved inside `root` (links followed, never out of it),
 * the last component taken as it is (a link is stat'ed as a link, its target resolved in scope). Undefined when
 * the path does not exist.
 */
export async function findInRoot(root: string, requested: string): Promise<FoundPath | undefined> {
  const absPath = containerAbsPath(requested);
  const slash = absPath.lastIndexOf('/');
  const base = absPath.slice(slash + 1);
  let host: string;
  if (base === '' || base === '.') {
    const whole = await resolvePathInRoot(root, absPath);
    const st = whole === undefined ? undefined : await fs.stat(whole).catch(() => undefined);
    if (!st || whole === undefined) return undefined;
    if (!st.isDirectory())
      throw new ContainerError('InvalidParameter', `lstat ${absPath}: not a directory`, { retryable: false });
    host = whole;
  } else {
    const dir = await resolvePathInRoot(root, absPath.slice(0, slash) || '/');
    if (dir === undefined) return undefined;
    host = path.join(dir, base);
  }
  const st = await fs.lstat(host, { bigint: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
    throw err;
  });
  if (!st) return undefined;
  let linkTarget = '';
  if (st.isSymbolicLink()) {
    const resolved = await resolvePathInRoot(root, inContainer(root, host));
    // a dangling link: its target taken lexically from the link's directory
    linkTarget =
      resolved !== undefined
        ? inContainer(root, resolved)
        : path.posix.resolve(inContainer(root, path.dirname(host)), await fs.readlink(host));
  }
  const name = absPath === '/' ? '/' : path.posix.basename(absPath.replace(/\/$/, '')) || base;
  return {
    absPath,
    host,
    stat: {
      name: absPath.endsWith('/.') ? '.' : name,
      size: Number(st.size),
      mode: goFileMode(Number(st.mode)),
      mtime: rfc3339Nano(st.mtimeNs),
      linkTarget,
    },
  };
}
