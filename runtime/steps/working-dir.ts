import type { StepImpl } from './types';

/** working-dir (Docker's setupWorkingDirectory): mkdir -p inside the rootfs; undone with the rootfs. */
export const workingDir: StepImpl<'working-dir'> = {
  async acquire(env, { id }) {
    const rec = await env.store.get(id);
    if (rec.Config.WorkingDir) await env.driver.setupWorkingDir(id, rec.Config.WorkingDir);
  },
};
