import fs from 'node:fs';
import path from 'node:path';
import { LayerBreakoutError, LayerFormatError } from './errors';

/**
 * A tar entry name as path components, cleaned as Docker's UnpackLayer does (filepath.Clean, then joined under
 * dest): an absolute name is taken from dest (`/etc/x`, and `/` itself, as `umoci insert DIR /` writes it), `..`
 * goes back a component, and a name that climbs above dest from a relative start is Docker's breakoutError.
 */
export function entryComponents(name: string, dest: string): string[] {
  const rooted = name.startsWith('/');
  const parts: string[] = [];
  for (const c of name.split('/')) {
    if (c === '' || c === '.') continue;
    if (c !== '..') parts.push(c);
    else if (parts.length > 0) parts.pop();
    else if (!rooted) throw new LayerBreakoutError(`${JSON.stringify(name)} is outside of ${JSON.stringify(dest)}`);
  }
  return parts;
}

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Makes sure every parent of the entry is a real directory under dest, creating missing ones (0755) if asked, never
 * following a symlink: one on the way is a breakout. Returns the parents it created (relative paths).
 */
export function ensureParents(dest: string, parts: string[], name: string, create = true): string[] {
  const made: string[] = [];
  let cur = dest;
  for (let i = 0; i < parts.length - 1; i++) {
    cur = path.join(cur, parts[i]);
    const st = lstatOrNull(cur);
    if (!st && !create) {
      break;
    } else if (!st) {
      fs.mkdirSync(cur, 0o755);
      fs.chmodSync(cur, 0o755);
      made.push(parts.slice(0, i + 1).join('/'));
    } else if (st.isSymbolicLink()) {
      throw new LayerBreakoutError(`${JSON.stringify(name)} is outside of ${JSON.stringify(dest)}`);
    } else if (!st.isDirectory()) {
      throw new LayerFormatError(`${JSON.stringify(name)}: ${cur} is not a directory`);
    }
  }
  return made;
}

export { lstatOrNull };
