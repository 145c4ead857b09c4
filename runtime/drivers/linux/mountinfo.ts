import { promises as fs } from 'node:fs';

/** One line of /proc/self/mountinfo (proc(5)). */
export interface MountInfo {
  id: number;
  parent: number;
  /** path inside the mounted filesystem that is mounted here (e.g. "net:[4026532177]" for nsfs) */
  root: string;
  mountPoint: string;
  options: string;
  /** optional fields: "shared:N", "master:N", "propagate_from:N", "unbindable" */
  optional: string[];
  fsType: string;
  source: string;
  superOptions: string;
}

/** The kernel escapes space, tab, newline and backslash as \ooo in paths. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/** Parses mountinfo text (pure). Lines that do not parse are skipped. */
export function parseMountInfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (f.length < 10 || sep < 0) continue;
    out.push({
      id: Number(f[0]),
      parent: Number(f[1]),
      root: unescape(f[3]!),
      mountPoint: unescape(f[4]!),
      options: f[5]!,
      optional: f.slice(6, sep),
      fsType: f[sep + 1]!,
      source: unescape(f[sep + 2]!),
      superOptions: f[sep + 3] ?? '',
    });
  }
  return out;
}

/** The mount table of this process's mount namespace (a file read, no `mount` spawn). */
export async function readMountInfo(): Promise<MountInfo[]> {
  return parseMountInfo(await fs.readFile('/proc/self/mountinfo', 'utf8'));
}

/** The topmost mount at exactly `target`, if any (later lines are mounted on top of earlier ones). */
export function mountAt(mounts: readonly MountInfo[], target: string): MountInfo | undefined {
  for (let i = mounts.length - 1; i >= 0; i--) if (mounts[i]!.mountPoint === target) return mounts[i];
  return undefined;
}

/** Mounts at `dir` or below it. */
export function mountsUnder(
  mounts: readonly MountInfo[],
  dir: string,
  opts: { includeSelf?: boolean } = {},
): MountInfo[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return mounts.filter((m) => m.mountPoint.startsWith(prefix) || (opts.includeSelf === true && m.mountPoint === dir));
}

/** A super-option's value ("upperdir" of an overlay), if present. */
export function superOption(m: MountInfo, key: string): string | undefined {
  for (const opt of m.superOptions.split(',')) {
    if (opt.startsWith(`${key}=`)) return opt.slice(key.length + 1);
  }
  return undefined;
}
