import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError } from '../../common/errors';
import { invalidVolumeName, isVolumeName } from '../../common/settings';
import type { MountPoint } from '../../common/mount-plan';
import type { HostConfig } from '../../common/types';
import { checkBindPolicy, resolveBindSources } from '../bind-policy';
import type { VolumeMount } from '../driver';
import type { StepImpl } from './types';

/**
 * volumes (Docker's setupMounts): the mounts HostConfig asks for (Binds, Tmpfs). Their sources are made
 * ready here (a bind source must exist; a named volume's directory, made at create, is made again if
 * missing); the driver makes the mounts the container's own (the Linux driver lists them in the spec, so runc
 * mounts them inside the container's mount namespace and they end with it). Named volumes outlive the
 * container.
 */
export const volumes: StepImpl<'volumes'> = {
  async acquire(env, { id }, ctx) {
    const rec = await env.store.get(id);
    // checked at create too; again here, as the policy or a path may have changed since
    await checkBindPolicy(rec.HostConfig.Binds, env.bindAllow);
    const mounts = await resolveBindSources(
      volumeMounts(rec.HostConfig, (n) => env.driver.layout.volume(n), rec.MountPoints),
      env.bindAllow,
    );
    await prepareVolumeSources(mounts);
    await env.driver.mountVolumes(id, mounts, ctx);
  },
  release: (env, id, ctx) => env.driver.unmountVolumes(id, ctx),
};

function cleanDest(dest: string): string {
  const n = path.posix.normalize(dest);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/**
 * The mounts HostConfig asks for, in path order (parents before children: by number of path components,
 * then by name), as Docker's sortMounts does. Pure, given where named volumes live.
 */
export function volumeMounts(
  hc: Pick<HostConfig, 'Binds' | 'Tmpfs'>,
  volumePath: (name: string) => string,
  points?: readonly MountPoint[],
): VolumeMount[] {
  const out: VolumeMount[] = points ? points.map((p) => pointMount(p, volumePath)) : [];
  for (const bind of points ? [] : hc.Binds) {
    const [source, dest, mode] = bind.split(':') as [string, string, string | undefined];
    const readonly = mode === 'ro';
    if (source.startsWith('/')) {
      out.push({ kind: 'bind', source: path.posix.normalize(source), destination: cleanDest(dest), readonly });
    } else {
      // verifyHostConfig rejects such a name at create; a record written before it did is caught here.
      if (!isVolumeName(source)) throw new ContainerError('InvalidMount', invalidVolumeName(source));
      out.push({ kind: 'volume', source: volumePath(source), destination: cleanDest(dest), readonly, name: source });
    }
  }
  for (const [dest, options] of Object.entries(hc.Tmpfs)) {
    out.push({ kind: 'tmpfs', source: 'tmpfs', destination: cleanDest(dest), readonly: false, options });
  }
  const depth = (p: string) => (p === '/' ? 0 : p.split('/').length - 1);
  return out.sort(
    (a, b) =>
      depth(a.destination) - depth(b.destination) ||
      (a.destination < b.destination ? -1 : a.destination > b.destination ? 1 : 0),
  );
}

/** A recorded mount point (common/mount-plan.ts) as the driver mounts it. */
function pointMount(p: MountPoint, volumePath: (name: string) => string): VolumeMount {
  const common = { destination: p.Destination, readonly: !p.RW };
  if (p.Type === 'tmpfs')
    return { kind: 'tmpfs', source: 'tmpfs', ...common, readonly: false, options: p.Options ?? '' };
  if (p.Type === 'bind')
    return {
      kind: 'bind',
      source: p.Source!,
      ...common,
      ...(p.Propagation && p.Propagation !== 'rprivate' ? { propagation: p.Propagation } : {}),
    };
  if (!isVolumeName(p.Name!)) throw new ContainerError('InvalidMount', invalidVolumeName(p.Name!));
  return { kind: 'volume', source: volumePath(p.Name!), ...common, name: p.Name! };
}

/**
 * Prepares the sources, in order: a bind source must exist (InvalidMount 400, Docker's message); a named
 * volume's _data directory is made if missing (create makes it with its record: volumes/store.ts). Idempotent.
 */
export async function prepareVolumeSources(mounts: readonly VolumeMount[]): Promise<void> {
  for (const m of mounts) {
    if (m.kind === 'bind') {
      try {
        await fs.stat(m.source);
      } catch {
        throw new ContainerError(
          'InvalidMount',
          `invalid mount config for type "bind": bind source path does not exist: ${m.source}`,
        );
      }
    } else if (m.kind === 'volume') {
      await fs.mkdir(m.source, { recursive: true });
    }
  }
}
