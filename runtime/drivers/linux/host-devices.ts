import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { OciDevice } from './spec';

/**
 * Directories of /dev that are mounts of their own in a container, or runtime-private (runc's GetDevices skips them).
 */
const SKIP_DIRS = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);

/** Linux's dev_t split (glibc's gnu_dev_major/minor). */
function majorMinor(rdev: bigint): { major: number; minor: number } {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { major: Number(major), minor: Number(minor) };
}

/**
 * The host's device nodes under `dir` (/dev), for a privileged container as Docker gives it (runc's
 * HostDevices): character and block devices, not /dev/console (runc sets up the container's own), not the
 * directories above. An entry that vanishes while being read is skipped.
 */
export async function hostDevices(dir = '/dev'): Promise<OciDevice[]> {
  const out: OciDevice[] = [];
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) out.push(...(await hostDevices(p)));
      continue;
    }
    if (p === '/dev/console' || !(e.isCharacterDevice() || e.isBlockDevice())) continue;
    const d = await deviceOf(p);
    if (d) out.push(d);
  }
  return out;
}

/** The device node at `p` (its major, minor, mode and owner), or undefined when it is none (or vanished). */
export async function deviceOf(p: string): Promise<OciDevice | undefined> {
  const st = await fs.stat(p, { bigint: true }).catch(() => undefined);
  if (!st || !(st.isCharacterDevice() || st.isBlockDevice())) return undefined;
  return {
    path: p,
    type: st.isCharacterDevice() ? 'c' : 'b',
    ...majorMinor(st.rdev),
    fileMode: Number(st.mode & 0o777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
  };
}
