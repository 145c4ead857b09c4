import type { ImageConfig, ImageRunConfig } from '../common/image-config';
import { canonicalKey, parseRef } from '../images/refs';
import type { ImageStore } from '../images/store';

/**
 * Records an image with `base`'s layers and its config's `config` replaced by `run` (as a `docker build` of
 * `FROM base` with only ENTRYPOINT/CMD/ENV/USER… lines would), tagged `name`; returns the new image's ID.
 */
export async function recordConfigVariant(
  store: ImageStore,
  base: string,
  name: string,
  run: ImageRunConfig,
): Promise<string> {
  const baseId = await store.resolve(base);
  const meta = (await store.meta(baseId))!;
  const config: ImageConfig = { ...(await store.config(baseId)), config: run };
  const id = await store.putConfig(Buffer.from(JSON.stringify(config)));
  await store.addImage({ id, layers: meta.layers }, [canonicalKey(parseRef(name))]);
  return id;
}
