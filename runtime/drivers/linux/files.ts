import { randomBytes } from 'node:crypto';
import { promises as fs, realpathSync } from 'node:fs';
import path from 'node:path';

/**
 * Replaces a file: temp + rename, so a reader never sees half a file; no fsync. For files a retry rewrites
 * (bundle files) or that describe processes a machine crash ends anyway (exec record). Records that must
 * survive a crash use fsutil's writeJsonAtomic.
 */
export async function writeFileReplace(file: string, data: string, mode = 0o644): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, data, { mode });
  await fs.rename(tmp, file);
}

/** The state root absolute and without symlinks (mount points are compared with mountinfo's real paths). */
export function realRoot(root: string): string {
  const abs = path.resolve(root);
  try {
    return realpathSync(abs);
  } catch {
    return abs; // not created yet: the first step creates it
  }
}
