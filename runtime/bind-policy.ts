import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError } from '../common/errors';
import type { VolumeMount } from './driver';

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

/** Whether p is dir or lies under it (both resolved). */
export const inside = (p: string, dir: string) => dir === '/' || p === dir || p.startsWith(`${dir}/`);

const allowedDirs = (allow: readonly string[]) =>
  Promise.all(allow.map(async (d) => (await resolveHostPath(d)) ?? path.resolve(d)));

function forbidden(source: string, real: string | undefined, allow: readonly string[]): ContainerError {
  const why =
    real === undefined
      ? 'cannot be resolved'
      : `${real === source ? 'is' : `resolves to ${real}, which is`} outside the directories bind mounts may come from`;
  return new ContainerError(
    'Forbidden',
    `bind mount source ${source} ${why} (CONTAINER_SAGA_BIND_ALLOW=${allow.join(':')})`,
  );
}

/**
 * CONTAINER_SAGA_BIND_ALLOW: with a list of directories, every bind (an absolute -v source) must resolve
 * into one of them, else Forbidden (403) naming it, before anything is created; named volumes are not host
 * paths and always pass. Without a list, everything passes (Docker's behaviour).
 */
export async function checkBindPolicy(binds: readonly string[], allow: readonly string[] | undefined): Promise<void> {
  if (allow === undefined) return;
  const dirs = await allowedDirs(allow);
  for (const bind of binds) {
    const source = bind.split(':')[0]!;
    if (!source.startsWith('/')) continue;
    const real = await resolveHostPath(source);
    if (real === undefined || !dirs.some((d) => inside(real, d))) throw forbidden(source, real, allow);
  }
}

/**
 * The mounts with each bind's source resolved now (realpath: it must exist, Docker's InvalidMount 400
 * otherwise) and checked against the policy. The spec gets these resolved paths, so a symlink on the way
 * that is swapped after this check cannot take runc elsewhere (docs/security.md, "Host-path policy").
 */
export async function resolveBindSources(
  mounts: readonly VolumeMount[],
  allow: readonly string[] | undefined,
): Promise<VolumeMount[]> {
  const dirs = allow === undefined ? undefined : await allowedDirs(allow);
  const out: VolumeMount[] = [];
  for (const m of mounts) {
    if (m.kind !== 'bind') {
      out.push(m);
      continue;
    }
    const real = await fs.realpath(m.source).catch(() => {
      throw new ContainerError(
        'InvalidMount',
        `invalid mount config for type "bind": bind source path does not exist: ${m.source}`,
      );
    });
    if (dirs && !dirs.some((d) => inside(real, d))) throw forbidden(m.source, real, allow!);
    out.push({ ...m, source: real });
  }
  return out;
}

/**
 * An image import's host path (`image import NAME PATH`), resolved once (the tool is given this path) and,
 * under CONTAINER_SAGA_BIND_ALLOW, inside the allowed directories like a bind source: the import copies what
 * it names into an image any container can then read. Relative (the worker's working directory is nobody's
 * choice) or missing: InvalidParameter (400).
 */
export async function resolveImageSource(source: string, allow: readonly string[] | undefined): Promise<string> {
  if (!source.startsWith('/'))
    throw new ContainerError(
      'InvalidParameter',
      `image source ${source} must be an absolute path on the worker's host`,
    );
  const real = await fs.realpath(source).catch(() => {
    throw new ContainerError('InvalidParameter', `image source not found: ${source}`);
  });
  if (allow !== undefined && !(await allowedDirs(allow)).some((d) => inside(real, d))) {
    throw new ContainerError(
      'Forbidden',
      `image source ${source} ${real === source ? 'is' : `resolves to ${real}, which is`} outside the directories host paths may come from (CONTAINER_SAGA_BIND_ALLOW=${allow.join(':')})`,
    );
  }
  return real;
}
