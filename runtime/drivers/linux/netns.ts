import { promises as fs } from 'node:fs';
import { ContainerError } from '../../../common/errors';
import { sleep } from '../../fsutil';
import { run, runChecked, toolOutput } from './exec';
import { NETNS_DIR, netnsPath } from '../layout';
import { mountAt, readMountInfo, type MountInfo } from './mountinfo';
import type { IdRange } from '../../../config/userns-remap';
import { unmount } from './mounts';
import { tool } from './tools';

/**
 * Named network namespaces, iproute2-compatible: an nsfs bind mount at /run/netns/<name> keeps the
 * namespace alive without a process (`ip netns list` shows it, `ip netns delete` removes it).
 */

let dirReady: Promise<void> | undefined;

/**
 * /run/netns set up the way `ip netns add` leaves it: a mount point of its own with shared propagation, so a
 * namespace file created later is visible in mount namespaces copied before. Once per process.
 */
function ensureNetnsDir(): Promise<void> {
  dirReady ??= (async () => {
    await fs.mkdir(NETNS_DIR, { recursive: true });
    const self = mountAt(await readMountInfo(), NETNS_DIR);
    if (!self) await runChecked(`bind ${NETNS_DIR}`, tool('mount'), ['--bind', NETNS_DIR, NETNS_DIR]);
    if (!self?.optional.some((o) => o.startsWith('shared:'))) {
      await runChecked(`make ${NETNS_DIR} shared`, tool('mount'), ['--make-shared', NETNS_DIR]);
    }
  })().catch((err: unknown) => {
    dirReady = undefined;
    throw err;
  });
  return dirReady;
}

/** True when /run/netns/<name> is a live namespace (an nsfs mount), not merely a file. */
export function netnsMounted(name: string, mounts: readonly MountInfo[]): boolean {
  const m = mountAt(mounts, netnsPath(name));
  return m !== undefined && m.fsType === 'nsfs';
}

export async function netnsExists(name: string): Promise<boolean> {
  return netnsMounted(name, await readMountInfo());
}

/**
 * `userns`: the namespace is made owned by a new user namespace with the range's mappings, kept at `file`
 * (runc 1.1 joins the user namespace before the network one, and mounts sysfs only in a netns its user
 * namespace owns). A netns found without its user namespace is made again (created: false, so CNI DELs).
 */
export interface NetnsUserns {
  file: string;
  range: IdRange;
}

/**
 * Creates the named netns with lo up, or adopts it when it exists (idempotent). One process for a new one:
 * `unshare --net=/run/netns/<name> ip link set lo up` binds the new namespace to its file, then runs `ip`
 * inside it. A file left without its mount (a creation cut short) is replaced. On adoption, `reassertLo`
 * sets lo up again, for a namespace whose creation may have stopped between the bind and `ip`.
 */
export function ensureNetns(
  name: string,
  opts: { reassertLo: boolean; mounts?: readonly MountInfo[]; userns?: NetnsUserns },
): Promise<{ created: boolean }> {
  // One creation per name at a time in this process (the shared host-side namespace is wanted by every start).
  let p = creating.get(name);
  if (!p) {
    p = createOrAdopt(name, opts).finally(() => creating.delete(name));
    creating.set(name, p);
    return p;
  }
  return p.then(() => ({ created: false }));
}

/**
 * A user namespace and a netns it owns, made by `unshare --user --net sleep`, whose ID maps are written and
 * namespaces bound to their files from outside while the sleep holds them: util-linux 2.38's --map-users
 * needs newuidmap, its --user=FILE fails here with EPERM, and a process whose uid is not mapped yet loses its
 * capabilities at exec, so nothing is run inside.
 */
const USERNS_NETNS = [
  'unshare=$1 mount=$2 ufile=$3 nfile=$4 uid=$5 gid=$6 size=$7',
  '"$unshare" --user --net sleep 60 & p=$!',
  'until [ "$(cat /proc/$p/comm 2>/dev/null)" = sleep ]; do kill -0 $p 2>/dev/null || exit 1; sleep 0.005; done',
  'echo "0 $uid $size" > /proc/$p/uid_map && echo "0 $gid $size" > /proc/$p/gid_map &&',
  '  "$mount" --bind /proc/$p/ns/user "$ufile" && "$mount" --bind /proc/$p/ns/net "$nfile"; rc=$?',
  'kill $p; wait $p 2>/dev/null; exit $rc',
].join('\n');

const creating = new Map<string, Promise<{ created: boolean }>>();

async function createOrAdopt(
  name: string,
  opts: { reassertLo: boolean; mounts?: readonly MountInfo[]; userns?: NetnsUserns },
): Promise<{ created: boolean }> {
  const file = netnsPath(name);
  let mounts = opts.mounts ?? (await readMountInfo());
  const u = opts.userns;
  let replaced = false;
  if (u && netnsMounted(name, mounts) && mountAt(mounts, u.file)?.fsType !== 'nsfs') {
    await deleteNetns(name);
    mounts = await readMountInfo();
    replaced = true;
  }
  if (netnsMounted(name, mounts)) {
    if (opts.reassertLo)
      await runChecked(`lo up in netns ${name}`, tool('ip'), ['-n', name, 'link', 'set', 'lo', 'up']);
    return { created: false };
  }
  await ensureNetnsDir();
  // A file without its namespace: left by a creation cut short (stale: replace it), or another process's
  // creation in progress (fresh: wait for it below).
  const st = await fs.stat(file).catch(() => undefined);
  if (st && Date.now() - st.mtimeMs > 5_000) await fs.rm(file, { force: true });
  try {
    await fs.writeFile(file, '', { flag: 'wx', mode: 0o444 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Another process is creating it right now: wait for its mount rather than race it.
    for (let i = 0; i < 200 && !(await netnsExists(name)); i++) await sleep(5);
    if (await netnsExists(name)) return { created: false };
    throw new ContainerError('Internal', `create netns ${name}: ${file} exists but no namespace was mounted on it`);
  }
  let r;
  if (u) {
    await unmount(u.file, `unmount stale user namespace ${u.file}`);
    await fs.writeFile(u.file, '', { mode: 0o444 });
    const { uid, gid, size } = u.range;
    const args = [tool('unshare'), tool('mount'), u.file, file, `${uid}`, `${gid}`, `${size}`];
    r = await run(tool('sh'), ['-c', USERNS_NETNS, 'sh', ...args]);
    if (r.code === 0) r = await run(tool('ip'), ['-n', name, 'link', 'set', 'lo', 'up']);
  } else r = await run(tool('unshare'), [`--net=${file}`, tool('ip'), 'link', 'set', 'lo', 'up']);
  if (r.code !== 0) {
    const detail = toolOutput(r);
    await deleteNetns(name).catch(() => {});
    if (u) await deleteUserns(u.file).catch(() => {});
    throw new ContainerError('Internal', `create netns ${name}: ${detail}`);
  }
  return { created: !replaced };
}

/** Deletes the named netns (unmount + unlink); succeeds when it does not exist. */
export async function deleteNetns(name: string): Promise<void> {
  const file = netnsPath(name);
  if (await netnsExists(name)) {
    await runChecked(`delete netns ${name}`, tool('ip'), ['netns', 'delete', name]);
  }
  await fs.rm(file, { force: true });
}

/** Unmounts and removes a user namespace's file (ensureNetns's userns); succeeds when there is none. */
export async function deleteUserns(file: string): Promise<void> {
  await unmount(file, `unmount user namespace ${file}`);
  await fs.rm(file, { force: true });
}

/** The names in /run/netns (mounted or not). */
export async function listNetns(): Promise<string[]> {
  return fs.readdir(NETNS_DIR).catch(() => [] as string[]);
}
