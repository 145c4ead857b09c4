import { needsOwnIpc } from '../../common/net-mode';
import { DEFAULT_SHM_SIZE } from '../../common/types';
import type { StepImpl } from './types';

/** The tmpfs options of a container's /dev/shm (Docker's: world-writable, sticky, sized by ShmSize). */
export function shmOptions(shmSize: number): string {
  return `mode=1777,size=${shmSize || DEFAULT_SHM_SIZE}`;
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
