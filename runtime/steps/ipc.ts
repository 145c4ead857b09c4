import { needsOwnIpc } from '../../common/net-mode';
import { DEFAULT_SHM_SIZE } from '../../common/types';
import type { StepImpl } from './types';

/**
 * The tmpfs options of a container's /dev/shm, Docker's: world-writable, sticky, sized by ShmSize, and on the host
 * side too no set-uid, device or executable files (a process that can reach the host's mount, or a container
 * sharing it with --ipc container:X, finds the same rules as the container's own bind of it).
 */
export function shmOptions(shmSize: number): string {
  return `nosuid,nodev,noexec,mode=1777,size=${shmSize || DEFAULT_SHM_SIZE}`;
}

/** ipc (Docker's setupIpcDirs): a tmpfs of its own for /dev/shm, unless ipc host, container:X or none. */
export const ipc: StepImpl<'ipc'> = {
  async acquire(env, { id }, ctx) {
    const rec = await env.store.get(id);
    if (!needsOwnIpc(rec.HostConfig.IpcMode)) return;
    await env.driver.setupIpc(id, shmOptions(rec.HostConfig.ShmSize), ctx);
  },
  release: (env, id, ctx) => env.driver.releaseIpc(id, ctx),
};
