import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { getConfig } from '../../../config';

/**
 * The host tools the driver runs, resolved once to absolute paths (sbin directories included: a root shell's
 * PATH may lack them). Overridable for odd installs: CONTAINER_SAGA_RUNC, CNI_PATH.
 */
const SEARCH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export type ToolName =
  | 'runc'
  | 'ip'
  | 'mount'
  | 'umount'
  | 'nsenter'
  | 'unshare'
  | 'tar'
  | 'cp'
  | 'sh'
  | 'nft'
  | 'flock'
  | 'socat'
  | 'conmon';

const cache = new Map<string, string | undefined>();

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of a tool, or undefined when it is not installed. */
export function findTool(name: ToolName): string | undefined {
  if (cache.has(name)) return cache.get(name);
  let found: string | undefined;
  const runc = getConfig().runc;
  if (name === 'runc' && runc) found = runc;
  else {
    // PATH is the OS's, not ours: searched first, then the usual sbin/bin directories.
    const dirs = [...(process.env.PATH ?? '').split(':').filter((d) => d.startsWith('/')), ...SEARCH];
    found = dirs.map((d) => path.join(d, name)).find(isExecutable);
  }
  cache.set(name, found);
  return found;
}

/** Absolute path of a tool; falls back to the bare name (spawn then reports ENOENT, which exec.ts maps). */
export function tool(name: ToolName): string {
  return findTool(name) ?? name;
}

/** The directory holding the CNI plugins (bridge, host-local, loopback). */
export function cniPath(): string {
  const candidates = [...getConfig().cniPath, '/usr/lib/cni', '/opt/cni/bin'];
  return candidates.find((d) => isExecutable(path.join(d, 'bridge'))) ?? candidates[0]!;
}

/** The static busybox the `busybox-static` image is built from. */
export const BUSYBOX = '/bin/busybox';
