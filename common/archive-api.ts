/**
 * cp, diff, export and commit of a container (Docker's archive endpoints, changes, export, commit): the
 * workflows' inputs and results, and the pure rules (Go's FileMode bits of the stat header, the change kinds).
 * Bytes never travel in these: a tar is a spool file on the container's host, named by its path.
 */

/** Docker's ContainerPathStat (the `X-Docker-Container-Path-Stat` header, base64 JSON). */
export interface PathStat {
  name: string;
  size: number;
  /** Go's os.FileMode (type bits high, permissions low), as the docker CLI reads it */
  mode: number;
  /** RFC 3339 with nanoseconds */
  mtime: string;
  /** for a symlink: where it leads, resolved inside the container's root; '' otherwise */
  linkTarget: string;
}

/** What one containerArchive run does with a path of the container (or its whole rootfs: export). */
export type ArchiveOp = 'stat' | 'get' | 'put' | 'export';
export const ARCHIVE_OPS: readonly ArchiveOp[] = ['stat', 'get', 'put', 'export'];

export interface ContainerArchiveInput {
  container: string;
  op: ArchiveOp;
  /** the container path (stat, get, put) */
  path?: string;
  /** the spool file on the container's host: written by get and export, read by put */
  file?: string;
  /** the host whose spool holds `file`: a container elsewhere is answered with `elsewhere`, nothing done */
  host?: string;
  /** put: a non-directory may not replace a directory nor the reverse (the docker CLI always asks this) */
  noOverwriteDirNonDir?: boolean;
  /** put: the files get the container user's uid and gid (`docker cp -a`) */
  copyUIDGID?: boolean;
}

export type ContainerArchiveResult =
  /** the container is on another host than the spool's: nothing was done */
  { elsewhere: string } | { host: string; stat?: PathStat };

/** Docker's change kinds (`docker diff`: C, A, D). */
export const ChangeKind = { Modified: 0, Added: 1, Deleted: 2 } as const;
export type ChangeKindValue = (typeof ChangeKind)[keyof typeof ChangeKind];
export interface ContainerChange {
  Path: string;
  Kind: ChangeKindValue;
}
export const changeLetter = (kind: ChangeKindValue): string => ['C', 'A', 'D'][kind]!;

export interface ContainerChangesInput {
  container: string;
}

export interface ContainerCommitInput {
  container: string;
  /** repository[:tag] to tag the new image with; none: a dangling image */
  repo?: string;
  tag?: string;
  comment?: string;
  author?: string;
  /** Dockerfile instructions (`--change`), one each */
  changes?: string[];
  /** freeze the container while its upper dir is read (Docker's default) */
  pause?: boolean;
  /** a config to merge over the container's (the API's request body) */
  config?: Record<string, unknown>;
}
export interface ContainerCommitResult {
  Id: string;
}

// Go's os.FileMode type bits
const GO_DIR = 2 ** 31;
const GO_SYMLINK = 2 ** 27;
const GO_DEVICE = 2 ** 26;
const GO_PIPE = 2 ** 25;
const GO_SOCKET = 2 ** 24;
const GO_SETUID = 2 ** 23;
const GO_SETGID = 2 ** 22;
const GO_CHARDEV = 2 ** 21;
const GO_STICKY = 2 ** 20;

/** A unix st_mode as Go's os.FileMode (what Docker's stat header carries). */
export function goFileMode(mode: number): number {
  let m = mode & 0o777;
  switch (mode & 0o170000) {
    case 0o040000:
      m += GO_DIR;
      break;
    case 0o120000:
      m += GO_SYMLINK;
      break;
    case 0o010000:
      m += GO_PIPE;
      break;
    case 0o140000:
      m += GO_SOCKET;
      break;
    case 0o060000:
      m += GO_DEVICE;
      break;
    case 0o020000:
      m += GO_DEVICE + GO_CHARDEV;
      break;
  }
  if (mode & 0o4000) m += GO_SETUID;
  if (mode & 0o2000) m += GO_SETGID;
  if (mode & 0o1000) m += GO_STICKY;
  return m;
}

/** Whether a stat header's mode is a directory's (Go's FileMode.IsDir). */
export const isGoDir = (mode: number): boolean => mode >= GO_DIR;
/** Whether it is a symlink's. */
export const isGoSymlink = (mode: number): boolean => Math.floor(mode / GO_SYMLINK) % 2 === 1;

/**
 * The container path as Docker takes it (archive.PreserveTrailingDotOrSeparator of filepath.Join("/", p)):
 * absolute and clean, keeping a trailing `/` or `/.` the caller gave.
 */
export function containerAbsPath(p: string): string {
  const parts: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') parts.pop();
    else parts.push(c);
  }
  const clean = `/${parts.join('/')}`;
  if (p === '.' || p.endsWith('/.')) return clean === '/' ? '/.' : `${clean}/.`;
  if (p.endsWith('/') && clean !== '/') return `${clean}/`;
  return clean;
}
