import path from 'node:path';
import { ContainerError } from '../../../common/errors';
import type { VolumeMount } from '../../driver';
import type { MountInfo } from './mountinfo';

/** The mount a path lies on: the deepest mount point that is it or one of its parents (the last mounted there). */
function mountOf(mounts: readonly MountInfo[], p: string): MountInfo | undefined {
  let best: MountInfo | undefined;
  for (const m of mounts) {
    const inside = m.mountPoint === '/' || p === m.mountPoint || p.startsWith(`${m.mountPoint}/`);
    if (inside && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

/**
 * Docker's propagation rules for binds (daemon/oci_linux.go setMounts): a shared bind needs a shared source mount,
 * a slave one a shared or slave source mount (else its error, at start), and the rootfs then takes rshared or
 * rslave, without which nothing would propagate through it. Pure given the host's mount table. Undefined: no
 * bind asks, runc's default stays.
 */
export function rootfsPropagation(
  volumes: readonly VolumeMount[],
  mounts: readonly MountInfo[],
): 'rshared' | 'rslave' | undefined {
  let root: 'rshared' | 'rslave' | undefined;
  for (const v of volumes) {
    const prop = v.kind === 'bind' ? v.propagation : undefined;
    if (!prop || prop.endsWith('private')) continue;
    const on = mountOf(mounts, path.resolve(v.source));
    const shared = on?.optional.some((o) => o.startsWith('shared:')) ?? false;
    const slave = on?.optional.some((o) => o.startsWith('master:')) ?? false;
    if (prop.endsWith('shared')) {
      if (!shared)
        throw new ContainerError(
          'InvalidMount',
          `path ${v.source} is mounted on ${on?.mountPoint ?? '/'} but it is not a shared mount`,
        );
      root = 'rshared';
    } else {
      if (!shared && !slave)
        throw new ContainerError(
          'InvalidMount',
          `path ${v.source} is mounted on ${on?.mountPoint ?? '/'} but it is not a shared or slave mount`,
        );
      root ??= 'rslave';
    }
  }
  return root;
}
