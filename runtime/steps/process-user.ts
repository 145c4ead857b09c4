import { resolveExecUser, type ExecUser } from '../../common/exec-user';
import type { ContainerRecord } from '../../common/types';
import { readInRoot } from '../rootfs-path';
import type { StepEnv } from './types';

/**
 * The container's Config.User in its own /etc/passwd and /etc/group (Docker's getUser), read inside the
 * mounted rootfs without following a link out of it. The simulated driver mounts nothing: it reads the
 * image's layers, top first.
 */
export async function processUser(env: StepEnv, rec: ContainerRecord): Promise<ExecUser> {
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
  return resolveExecUser(rec.Config.User ?? '', await read('/etc/passwd'), await read('/etc/group'));
}

/** runc's rule: HOME from the user's passwd entry when the environment has none. */
export function withHome(env: readonly string[], home: string): string[] {
  return env.some((e) => e.startsWith('HOME=')) ? [...env] : [...env, `HOME=${home}`];
}
