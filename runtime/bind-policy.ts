import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError } from '../common/errors';

/**
 * Where a host path really leads: the kernel's resolution of its longest existing prefix (realpath, so a
 * symlink or a `..` after one goes where the kernel would take it, not where the text says), then the
 * components that do not exist yet. A `..` among those cannot be resolved: undefined.
 */
export async function resolveHostPath(p: string): Promise<string | undefined> {
  const parts = p.split('/');
  for (let i = parts.length; i > 0; i--) {
    const prefix = parts.slice(0, i).join('/') || '/';
    let real: string;
    try {
      real = await fs.realpath(prefix);
    } catch {
      continue;
    }
    const rest = parts.slice(i).filter((c) => c !== '' && c !== '.');
    if (rest.includes('..')) return undefined;
    return path.join(real, ...rest);
  }
  return undefined;
}

const inside = (p: string, dir: string) => dir === '/' || p === dir || p.startsWith(`${dir}/`);

/**
 * CONTAINER_SAGA_BIND_ALLOW: with a list of directories, every bind (an absolute -v source) must resolve
 * into one of them, else Forbidden (403) naming it, before anything is created; named volumes are not host
 * paths and always pass. Without a list, everything passes (Docker's behaviour).
 */
export async function checkBindPolicy(binds: readonly string[], allow: readonly string[] | undefined): Promise<void> {
  if (allow === undefined) return;
  const dirs = await Promise.all(allow.map(async (d) => (await resolveHostPath(d)) ?? path.resolve(d)));
  for (const bind of binds) {
    const source = bind.split(':')[0]!;
    if (!source.startsWith('/')) continue;
    const real = await resolveHostPath(source);
    if (real !== undefined && dirs.some((d) => inside(real, d))) continue;
    const why =
      real === undefined
        ? 'cannot be resolved'
        : `${real === source ? 'is' : `resolves to ${real}, which is`} outside the directories bind mounts may come from`;
    throw new ContainerError(
      'Forbidden',
      `bind mount source ${source} ${why} (CONTAINER_SAGA_BIND_ALLOW=${allow.join(':')})`,
    );
  }
}
