import { promises as fs } from 'node:fs';
import path from 'node:path';
import { containerAbsPath, type PathStat } from '../../common/archive-api';
import { ContainerError } from '../../common/errors';
import { resolveExecUser } from '../../common/exec-user';
import type { ContainerRecord } from '../../common/types';
import type { ImageStore } from '../../images/store';
import { rootfsPlan } from '../../images/rootfs-plan';
import type { Driver, VolumeMount } from '../driver';
import { readInRoot, resolvePathInRoot } from '../rootfs-path';
import { volumeMounts } from '../steps/volumes';
import { extractInto } from './extract';
import { fileNotFound, findInRoot, inContainer, type FoundPath } from './stat';
import { tarToFile } from './tar-out';

/** What cp and export need of a host: its driver and image store. */
export interface ArchiveDeps {
  driver: Driver;
  images: ImageStore;
}

/** The view of a container's files a cp works in: a root, and whether it is a running process's. */
interface View {
  root: string;
  running: boolean;
}

/** A refusal no retry changes. */
const FINAL = { retryable: false };

const mountsOf = (deps: ArchiveDeps, rec: ContainerRecord): VolumeMount[] =>
  volumeMounts(rec.HostConfig, (n) => deps.driver.layout.volume(n));

/** The deepest bind or volume mount holding a container path (a stopped container's volumes are their sources). */
function volumeAt(mounts: readonly VolumeMount[], p: string): VolumeMount | undefined {
  const under = (m: VolumeMount) => m.destination === '/' || p === m.destination || p.startsWith(`${m.destination}/`);
  return mounts.filter((m) => m.kind !== 'tmpfs' && under(m)).at(-1);
}

/**
 * `fn` with the container's files: a running one's through its process's root (volumes, tmpfs), a stopped one's
 * rootfs mounted for the call; a path in a stopped container's bind or named volume is taken in that volume's source.
 */
async function withView<T>(
  deps: ArchiveDeps,
  rec: ContainerRecord,
  p: string,
  fn: (view: View, p: string, prefix: string) => Promise<T>,
): Promise<T> {
  const root = rec.State.Running ? await deps.driver.processRoot(rec.Id) : undefined;
  if (root !== undefined) return fn({ root, running: true }, p, '');
  const abs = containerAbsPath(p);
  const vol = volumeAt(mountsOf(deps, rec), abs.replace(/\/\.?$/, '') || '/');
  if (vol) {
    const rest = abs.slice(vol.destination === '/' ? 0 : vol.destination.length) || '/';
    return fn({ root: vol.source, running: false }, rest, vol.destination === '/' ? '' : vol.destination);
  }
  const plan = await rootfsPlan(deps.images, rec.Image || rec.Config.Image, deps.driver.kind === 'simulated');
  return deps.driver.withRootfs(rec.Id, plan, (rootfs) => fn({ root: rootfs, running: false }, p, ''));
}

const withPrefix = (stat: PathStat, prefix: string): PathStat =>
  prefix && stat.linkTarget ? { ...stat, linkTarget: `${prefix}${stat.linkTarget}` } : stat;

async function mustFind(view: View, p: string, asked: string, ref: string): Promise<FoundPath> {
  const found = await findInRoot(view.root, p);
  if (!found) throw fileNotFound(asked, ref);
  return found;
}

/** HEAD /containers/{id}/archive: Docker's stat of a path (404 `Could not find the file`). */
export function statPath(deps: ArchiveDeps, rec: ContainerRecord, ref: string, p: string): Promise<PathStat> {
  return withView(deps, rec, p, async (view, q, prefix) => withPrefix((await mustFind(view, q, p, ref)).stat, prefix));
}

/** GET /containers/{id}/archive: the path as a tar in `file` (named by its base, as Docker's TarResourceRebase). */
export function archivePath(
  deps: ArchiveDeps,
  rec: ContainerRecord,
  ref: string,
  p: string,
  file: string,
): Promise<PathStat> {
  return withView(deps, rec, p, async (view, q, prefix) => {
    const found = await mustFind(view, q, p, ref);
    const whole = found.absPath === '/' || found.absPath.endsWith('/.');
    const dir = whole ? found.host : path.dirname(found.host);
    const member = whole ? '.' : path.basename(found.host);
    await tarToFile({
      dir,
      member,
      as: whole ? '.' : found.stat.name,
      file,
      ...(view.running ? { containerDir: inContainer(view.root, found.host) } : {}),
    });
    return withPrefix(found.stat, prefix);
  });
}

/**
 * PUT /containers/{id}/archive (Docker's containerExtractToDir): the destination, its last link followed, must be a
 * directory; a read-only volume or a read-only rootfs refuses it; the archive is then extracted into it.
 */
export function extractToDir(
  deps: ArchiveDeps,
  rec: ContainerRecord,
  ref: string,
  p: string,
  file: string,
  opts: { noOverwriteDirNonDir: boolean; copyUIDGID: boolean },
): Promise<void> {
  return withView(deps, rec, p, async (view, q, prefix) => {
    const dest = await resolvePathInRoot(view.root, containerAbsPath(q));
    const st = dest === undefined ? undefined : await fs.lstat(dest).catch(() => undefined);
    if (!st || dest === undefined) throw fileNotFound(p, ref);
    // Docker answers these three with its errdefs.System: 500
    if (!st.isDirectory()) throw new ContainerError('Internal', 'extraction point is not a directory', FINAL);
    const where = `${prefix}${inContainer(view.root, dest)}`.replace(/(.)\/$/, '$1');
    const mounts = mountsOf(deps, rec);
    const vol = mounts.filter((m) => where === m.destination || where.startsWith(`${m.destination}/`)).at(-1);
    if (vol?.readonly) throw new ContainerError('Internal', 'mounted volume is marked read-only', FINAL);
    if (!vol && rec.HostConfig.ReadonlyRootfs)
      throw new ContainerError('Internal', 'container rootfs is marked read-only', FINAL);
    const owner = opts.copyUIDGID
      ? resolveExecUser(
          rec.Config.User ?? '',
          await readInRoot(view.root, '/etc/passwd'),
          await readInRoot(view.root, '/etc/group'),
        )
      : undefined;
    await extractInto({
      root: view.root,
      dest,
      file,
      noOverwriteDirNonDir: opts.noOverwriteDirNonDir,
      ...(owner ? { owner } : {}),
    });
  });
}

/** GET /containers/{id}/export: the merged rootfs (no volumes, as Docker's) as a tar in `file`. */
export async function exportRootfs(deps: ArchiveDeps, rec: ContainerRecord, file: string): Promise<void> {
  const plan = await rootfsPlan(deps.images, rec.Image || rec.Config.Image, deps.driver.kind === 'simulated');
  await deps.driver.withRootfs(rec.Id, plan, (rootfs) => tarToFile({ dir: rootfs, member: '.', file }));
}
