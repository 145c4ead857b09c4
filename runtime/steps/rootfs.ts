import type { StepImpl } from './types';

/**
 * mount-rootfs (Docker's conditionalMountOnStart): the image as the overlay's lower layer, the container's own upper.
 */
export const rootfs: StepImpl<'mount-rootfs'> = {
  async acquire(env, { id }, ctx) {
    const rec = await env.store.get(id);
    return env.driver.mountRootfs(id, rec.Config.Image, ctx);
  },
  release: (env, id, ctx) => env.driver.unmountRootfs(id, ctx),
};
