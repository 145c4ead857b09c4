import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Bytes used by the files of a tree, each inode once (hardlinks), symlinks by their own size. */
export async function treeSize(dir: string, seen = new Set<string>()): Promise<number> {
  let total = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = path.join(dir, e.name);
    const st = await fs.lstat(p);
    const key = `${st.dev}:${st.ino}`;
    if (seen.has(key)) continue;
    seen.add(key);
    total += e.isDirectory() ? await treeSize(p, seen) : st.size;
  }
  return total;
}
