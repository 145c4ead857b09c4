import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError } from '../../../common/errors';
import { isImageName } from '../../../common/input-check';
import type { ImageInfo } from '../../../common/types';
import { exists, readJson, writeJsonAtomic } from '../../fsutil';
import type { Layout } from '../layout';

/** An image the simulated driver knows: its image.json where the Linux driver keeps an image, no content. */
export async function importImage(layout: Layout, name: string, source: string): Promise<ImageInfo> {
  // the Linux driver's rule: the name is a directory under images/, never a way out of it, and encoded as its
  // (layout.image): a name with '/' (fz/img:1, library/x) is one directory, which image ls finds
  if (!isImageName(name)) throw new ContainerError('InvalidParameter', `invalid image name: ${name}`);
  if (source !== 'busybox-static' && !(await exists(source))) {
    throw new ContainerError('InvalidParameter', `image source ${source} does not exist`);
  }
  const info: ImageInfo = { name, created: new Date().toISOString(), sizeBytes: 0 };
  await writeJsonAtomic(path.join(layout.image(name), 'image.json'), { ...info, source });
  return info;
}

export async function listImages(layout: Layout): Promise<ImageInfo[]> {
  const dir = layout.images;
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const infos = await Promise.all(names.map((n) => readJson<ImageInfo>(path.join(dir, n, 'image.json'))));
  return infos.filter((i): i is ImageInfo => i !== undefined);
}
