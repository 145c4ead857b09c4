import { resolveExecUser, type ExecUser } from '../../common/exec-user';
import { additionalGroups } from '../../common/group-add';
import type { ContainerRecord } from '../../common/types';
import { readInRoot } from '../rootfs-path';
import type { StepEnv } from './types';

/**
 * A user spec (the container's Config.User, or an exec's -u) in the container's own /etc/passwd and
 * /etc/group (Docker's getUser), with the container's --group-add groups after the user's own, read inside
 * the mounted rootfs without following a link out of it. The simulated driver mounts nothing: it reads the
 * image's layers, top first.
 */
export async function processUser(
  env: Pick<StepEnv, 'driver' | 'images'>,
  rec: ContainerRecord,
  spec = rec.Config.User ?? '',
): Promise<ExecUser> {
  const roots =
    env.driver.kind === 'simulated'
      ? rec.Image && (await env.images.meta(rec.Image))
        ? (await env.images.layerDirs(rec.Image)).map((l) => l.dir).reverse()
        : []
      : [env.driver.layout.rootfs(rec.Id)];
  const read = async (file: string) => {
    for (const root of roots) {
      const text = await readInRoot(root, file);
      if (text !== undefined) return text;
    }
    return undefined;
  };
  const group = await read('/etc/group');
  const user = resolveExecUser(spec, await read('/etc/passwd'), group);
  const added = additionalGroups(rec.HostConfig.GroupAdd ?? [], group);
  return { ...user, additionalGids: [...user.additionalGids, ...added] };
}

/** runc's rule: HOME from the user's passwd entry when the environment has none. */
export function withHome(env: readonly string[], home: string): string[] {
  return env.some((e) => e.startsWith('HOME=')) ? [...env] : [...env, `HOME=${home}`];
}
