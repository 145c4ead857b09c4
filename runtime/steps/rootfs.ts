import type { StepImpl } from './types';
import { rootfsPlan } from '../../images/rootfs-plan';

/**
 * mount-rootfs (Docker's conditionalMountOnStart): the image's layers as the overlay's lowers, the container's own
 * upper. The image is the one create resolved (its ID), so a tag moved since changes nothing.
 */
export const rootfs: StepImpl<'mount-rootfs'> = {
  async acquire(env, { id }, ctx) {
    const rec = await env.store.get(id);
    const plan = await rootfsPlan(env.images, rec.Image || rec.Config.Image, env.driver.kind === 'simulated');
    return env.driver.mountRootfs(id, plan, ctx);
  },
  release: (env, id, ctx) => env.driver.unmountRootfs(id, ctx),
};
