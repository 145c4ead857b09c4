import type { ContainerUsage, DiskUsageResult, ImageUsage, VolumeUsage } from '../common/container-verbs-api';
import type { ContainerRecord } from '../common/types';
import { treeSize } from '../images/tree-size';
import type { ImageStore } from '../images/store';
import type { VolumeStore } from '../volumes/store';
import { volumeNames } from '../volumes/verbs';
import type { Driver } from './driver';

/** What docker system df reads on one host: its records (refreshed), images, volumes and the driver's layout. */
export interface DiskUsageDeps {
  driver: Pick<Driver, 'layout'>;
  images: ImageStore;
  volumes: VolumeStore;
  list(): Promise<ContainerRecord[]>;
}

/**
 * docker system df on one host (moby daemon/disk_usage.go): every image with the containers that use it, the
 * unpacked layers counted once, every container with its writable layer (SizeRw: the overlay's upper dir) and
 * its whole root file system (SizeRootFs: that and its image's layers), every volume with its data's bytes and
 * the containers that reference it. No build cache here.
 */
export async function diskUsage(rt: DiskUsageDeps): Promise<DiskUsageResult> {
  const records = await rt.list();
  const infos = await rt.images.list();
  const layerBytes = new Map<string, number>();
  const layersOf = new Map<string, string[]>();
  const holders = new Map<string, number>();
  for (const img of infos) {
    const layers = (await rt.images.meta(img.id))?.layers ?? [];
    for (const l of layers) layerBytes.set(l.diffID, l.diffSize);
    const own = [...new Set(layers.map((l) => l.diffID))];
    for (const d of own) holders.set(d, (holders.get(d) ?? 0) + 1);
    layersOf.set(img.id, own);
  }
  // SharedSize: the bytes of its layers that another image has too
  const shared = (id: string) =>
    (layersOf.get(id) ?? []).reduce((n, d) => n + ((holders.get(d) ?? 0) > 1 ? (layerBytes.get(d) ?? 0) : 0), 0);
  const images: ImageUsage[] = infos.map((image) => ({
    image,
    containers: records.filter((r) => r.Image === image.id).length,
    sharedSize: shared(image.id),
  }));
  const imageBytes = new Map(infos.map((i) => [i.id, i.sizeBytes]));
  const containers: ContainerUsage[] = [];
  for (const record of records) {
    const sizeRw = await treeSize(rt.driver.layout.upper(record.Id));
    containers.push({ record, sizeRw, sizeRootFs: sizeRw + (imageBytes.get(record.Image ?? '') ?? 0) });
  }
  const volumes: VolumeUsage[] = [];
  for (const volume of await rt.volumes.list()) {
    const refCount = records.filter((r) => volumeNames(r.HostConfig).includes(volume.Name)).length;
    volumes.push({ volume, size: await treeSize(rt.volumes.dataDir(volume.Name)), refCount });
  }
  const layersSize = [...layerBytes.values()].reduce((n, b) => n + b, 0);
  return { layersSize, images, containers, volumes };
}
