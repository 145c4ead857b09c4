import { promises as fs, type BigIntStats } from 'node:fs';
import path from 'node:path';
import { ChangeKind, goFileMode, type ContainerChange } from '../../common/archive-api';
import { opaqueDirs } from './xattrs';

/**
 * What Docker's init layer holds (daemon/initlayer): mount points runc fills. Here they have no layer of their own,
 * so runc's mount points land in the upper dir; they are no change of the container's, as in Docker's diff.
 */
const INIT_FILES = new Set(['/.dockerenv', '/etc/resolv.conf', '/etc/hosts', '/etc/hostname', '/etc/mtab']);
const INIT_TREES = ['/dev', '/proc', '/sys'];
const isInit = (p: string) => INIT_FILES.has(p) || INIT_TREES.some((t) => p === t || p.startsWith(`${t}/`));

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Go's sameFsTime: equal, or equal seconds where one side has no nanoseconds (a filesystem that keeps none). */
function sameTime(a: bigint, b: bigint): boolean {
  const s = 1_000_000_000n;
  return a === b || (a / s === b / s && (a % s === 0n || b % s === 0n));
}

async function lowerStat(lowers: readonly string[], p: string): Promise<BigIntStats | undefined> {
  for (const l of lowers) {
    const st = await fs.stat(path.join(l, p), { bigint: true }).catch(() => undefined);
    if (st) return st;
  }
  return undefined;
}

/** Every path of the upper dir, Go's filepath.Walk order (names by bytes, a directory before its contents). */
async function walk(upper: string): Promise<{ p: string; st: BigIntStats }[]> {
  const out: { p: string; st: BigIntStats }[] = [];
  const visit = async (rel: string) => {
    const names = (await fs.readdir(path.join(upper, rel)).catch(() => [] as string[])).sort(byBytes);
    for (const name of names) {
      const p = `${rel}/${name}`;
      if (isInit(p)) continue;
      const st = await fs.lstat(path.join(upper, p), { bigint: true });
      out.push({ p, st });
      if (st.isDirectory()) await visit(p);
    }
  };
  await visit('');
  return out;
}

/**
 * Docker's overlay changes (pkg/archive changes() with overlayDeletedFile): the upper dir against the image's
 * layers. A 0/0 character device or an opaque directory is a deletion; a path the layers lack is added; one they
 * have is modified, unless it is a directory with the same size, mode and time; an addition or deletion marks its
 * parent modified. A directory whose only entries are init-layer mount points counts as unchanged.
 */
export async function upperChanges(upper: string, lowers: readonly string[]): Promise<ContainerChange[]> {
  const changes: ContainerChange[] = [];
  const changedDirs = new Set<string>();
  for (const { p, st, whiteout, opaque } of await upperEntries(upper)) {
    let kind: ContainerChange['Kind'];
    if (whiteout || opaque) kind = ChangeKind.Deleted;
    else {
      const low = await lowerStat(lowers, p);
      kind = low ? ChangeKind.Modified : ChangeKind.Added;
      if (low?.isDirectory() && st.isDirectory() && goFileMode(Number(st.mode)) === goFileMode(Number(low.mode))) {
        const same = low.size === st.size && sameTime(low.mtimeNs, st.mtimeNs);
        if (same || (await onlyInitEntries(upper, p))) continue;
      }
    }
    if (st.isDirectory()) changedDirs.add(p);
    if (kind !== ChangeKind.Modified) {
      const parent = path.posix.dirname(p);
      if (!changedDirs.has(parent) && parent !== '/') {
        changes.push({ Path: parent, Kind: ChangeKind.Modified });
        changedDirs.add(parent);
      }
    }
    changes.push({ Path: p, Kind: kind });
  }
  return changes;
}

/** The upper dir's paths in walk order, its whiteouts (0/0 character devices) and opaque directories marked. */
export async function upperEntries(
  upper: string,
): Promise<{ p: string; st: BigIntStats; whiteout: boolean; opaque: boolean }[]> {
  const entries = await walk(upper);
  const opaque = await opaqueDirs(entries.filter((e) => e.st.isDirectory()).map((e) => path.join(upper, e.p)));
  return entries.map((e) => ({
    ...e,
    whiteout: e.st.isCharacterDevice() && e.st.rdev === 0n,
    opaque: e.st.isDirectory() && opaque.has(path.join(upper, e.p)),
  }));
}

/** Whether the upper dir's copy of a directory holds only init-layer mount points (runc's, not the container's). */
async function onlyInitEntries(upper: string, p: string): Promise<boolean> {
  const names = await fs.readdir(path.join(upper, p)).catch(() => [] as string[]);
  return names.length > 0 && names.every((n) => isInit(`${p}/${n}`));
}
