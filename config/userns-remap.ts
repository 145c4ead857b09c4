import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { ConfigError } from './config-error';

/**
 * CONTAINER_SAGA_USERNS_REMAP, Docker's `userns-remap`: `default` (the user container-saga-remap, created with
 * its subordinate ranges when absent), `USER[:GROUP]` or `UID:GID`, resolved through /etc/subuid and /etc/subgid.
 * Containers then run in a user namespace whose root is the first ID of each range.
 */
export interface IdRange {
  /** host uid of the container's root, gid of its group */
  uid: number;
  gid: number;
  /** IDs mapped from 0 (the same count for both) */
  size: number;
}

export const REMAP_USER = 'container-saga-remap';
/** how many IDs a container gets (Docker's dockremap range) */
export const REMAP_SIZE = 65536;

export interface RemapFiles {
  passwd: string;
  group: string;
  subuid: string;
  subgid: string;
}
const SYSTEM_FILES: RemapFiles = {
  passwd: '/etc/passwd',
  group: '/etc/group',
  subuid: '/etc/subuid',
  subgid: '/etc/subgid',
};

const read = (f: string): string[] => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : []);

/** name → id of /etc/passwd or /etc/group (the third field). */
function ids(file: string): Map<string, number> {
  return new Map(
    read(file)
      .map((l) => l.split(':'))
      .map((f) => [f[0]!, Number(f[2])]),
  );
}

/** The first range of `names` (a name or its numeric id) in a subuid/subgid file. */
function rangeOf(file: string, names: readonly string[]): { start: number; count: number } | undefined {
  for (const line of read(file)) {
    const [who, start, count] = line.split(':');
    if (who !== undefined && names.includes(who) && /^\d+$/.test(start ?? '') && /^\d+$/.test(count ?? ''))
      return { start: Number(start), count: Number(count) };
  }
  return undefined;
}

const VAR = 'CONTAINER_SAGA_USERNS_REMAP';

/**
 * The ID ranges the value names (undefined: unset); a missing user or range is a ConfigError saying which file
 * and what to do. `default` creates the user and its ranges when absent.
 */
export function resolveUsernsRemap(value: string, files?: RemapFiles): IdRange;
export function resolveUsernsRemap(value: string | undefined, files?: RemapFiles): IdRange | undefined;
export function resolveUsernsRemap(value: string | undefined, files: RemapFiles = SYSTEM_FILES): IdRange | undefined {
  if (value === undefined) return undefined;
  if (value === 'default') ensureDefaultUser(files);
  const parts = (value === 'default' ? REMAP_USER : value).split(':');
  if (parts.length > 2 || parts.some((p) => !/^[a-z_][a-z0-9_.-]*\$?$|^\d+$/i.test(p)))
    throw new ConfigError(`${VAR} must be default, USER[:GROUP] or UID:GID (got "${value}")`);
  const users = ids(files.passwd);
  const groups = ids(files.group);
  const [user, group = user] = parts as [string, string?];
  const uidNames = names(user, users);
  const gidNames = names(group!, groups);
  if (!uidNames)
    throw new ConfigError(`${VAR}=${value}: no user "${user}" in ${files.passwd} (create it, or use default)`);
  if (!gidNames)
    throw new ConfigError(`${VAR}=${value}: no group "${group}" in ${files.group} (create it, or use default)`);
  const uid = checkRange(files.subuid, uidNames, value, 'usermod --add-subuids');
  const gid = checkRange(files.subgid, gidNames, value, 'usermod --add-subgids');
  return { uid, gid, size: REMAP_SIZE };
}

/** A name or number as the names a subuid line may use for it ([name, id]); undefined when unknown. */
function names(who: string, table: Map<string, number>): string[] | undefined {
  if (/^\d+$/.test(who)) {
    const name = [...table].find(([, id]) => id === Number(who))?.[0];
    return name ? [name, who] : [who];
  }
  const id = table.get(who);
  return id === undefined ? undefined : [who, String(id)];
}

function checkRange(file: string, who: string[], value: string, fix: string): number {
  const r = rangeOf(file, who);
  if (!r || r.count < REMAP_SIZE)
    throw new ConfigError(
      `${VAR}=${value}: ${r ? `the range of ${who[0]} in ${file} has ${r.count} IDs, fewer than ${REMAP_SIZE}` : `no range for ${who[0]} in ${file}`}: add a line ${who[0]}:START:${REMAP_SIZE} (${fix} START-END ${who[0]}), or set ${VAR}=default`,
    );
  if (r.start === 0) throw new ConfigError(`${VAR}=${value}: the range of ${who[0]} in ${file} starts at 0 (root)`);
  return r.start;
}

/** `default`: the system user container-saga-remap and a free range of 65536 in both files, when absent. */
function ensureDefaultUser(files: RemapFiles): void {
  if (!ids(files.passwd).has(REMAP_USER)) {
    try {
      execFileSync('useradd', ['-r', '-M', '-s', '/bin/false', '-U', REMAP_USER], { stdio: 'pipe' });
    } catch (err) {
      throw new ConfigError(`${VAR}=default: useradd -r ${REMAP_USER} failed: ${String(err).split('\n')[0]}`);
    }
  }
  for (const file of [files.subuid, files.subgid]) {
    if (rangeOf(file, [REMAP_USER])) continue;
    // the first free block at or above 100000 (useradd's SUB_UID_MIN) after every range the file has
    const end = read(file)
      .map((l) => l.split(':'))
      .reduce((max, f) => Math.max(max, Number(f[1]) + Number(f[2]) || 0), 100000);
    appendFileSync(file, `${REMAP_USER}:${end}:${REMAP_SIZE}\n`, { mode: 0o644 });
  }
}
