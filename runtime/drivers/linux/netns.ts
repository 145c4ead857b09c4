import { promises as fs } from 'node:fs';
import { ContainerError } from '../../../common/errors';
import { sleep } from '../../fsutil';
import { run, runChecked, toolOutput } from './exec';
import { NETNS_DIR, netnsPath } from '../layout';
import { mountAt, readMountInfo, type MountInfo } from './mountinfo';
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
 * Creates the named netns with lo up, or adopts it when it exists (idempotent). One process for a new one:
 * `unshare --net=/run/netns/<name> ip link set lo up` binds the new namespace to its file, then runs `ip`
 * inside it. A file left without its mount (a creation cut short) is replaced. On adoption, `reassertLo`
 * sets lo up again, for a namespace whose creation may have stopped between the bind and `ip`.
 */
export function ensureNetns(
  name: string,
  opts: { reassertLo: boolean; mounts?: readonly MountInfo[] },
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

const creating = new Map<string, Promise<{ created: boolean }>>();

async function createOrAdopt(
  name: string,
  opts: { reassertLo: boolean; mounts?: readonly MountInfo[] },
): Promise<{ created: boolean }> {
  const file = netnsPath(name);
  if (netnsMounted(name, opts.mounts ?? (await readMountInfo()))) {
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
  const r = await run(tool('unshare'), [`--net=${file}`, tool('ip'), 'link', 'set', 'lo', 'up']);
  if (r.code !== 0) {
    const detail = toolOutput(r);
    await deleteNetns(name).catch(() => {});
    throw new ContainerError('Internal', `create netns ${name}: ${detail}`);
  }
  return { created: true };
}

/** Deletes the named netns (unmount + unlink); succeeds when it does not exist. */
export async function deleteNetns(name: string): Promise<void> {
  const file = netnsPath(name);
  if (await netnsExists(name)) {
    await runChecked(`delete netns ${name}`, tool('ip'), ['netns', 'delete', name]);
  }
  await fs.rm(file, { force: true });
}

/** The names in /run/netns (mounted or not). */
export async function listNetns(): Promise<string[]> {
  return fs.readdir(NETNS_DIR).catch(() => [] as string[]);
}
