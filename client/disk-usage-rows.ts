import type { DiskUsageResult } from '../common/container-verbs-api';
import { bareName } from '../common/names';
import { ago, ellipsis, statusText } from './output';
import { tabwrite } from './tabwriter';

/** docker system df's tables (the docker CLI's formatter/disk_usage.go), made from the records: pure. */

/** go-units HumanSizeWithPrecision: decimal units, `%.*g` (HumanSize's 4 digits unless told). */
export function goHumanSize(bytes: number, precision = 4): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(precision))}${units[i]}`;
}

/** "1.2MB (50%)": the percentage of the total, when there is a total */
const withShare = (part: number, total: number) =>
  total > 0 ? `${goHumanSize(part)} (${Math.trunc((part * 100) / total)}%)` : goHumanSize(part);

const active = (status: string) => ['running', 'paused', 'restarting'].includes(status);

/** `docker system df`: TYPE, TOTAL, ACTIVE, SIZE, RECLAIMABLE for images, containers, volumes, build cache. */
export function diskUsageSummary(du: DiskUsageResult): string {
  const used = du.images.filter((i) => i.containers > 0);
  const imageReclaimable = du.layersSize - used.reduce((n, i) => n + i.image.sizeBytes - i.sharedSize, 0);
  const rw = du.containers.reduce((n, c) => n + c.sizeRw, 0);
  const idle = du.containers.filter((c) => !active(c.record.State.Status));
  const volBytes = du.volumes.reduce((n, v) => n + v.size, 0);
  const unused = du.volumes.filter((v) => v.refCount === 0);
  return tabwrite(
    [
      ['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'],
      [
        'Images',
        `${du.images.length}`,
        `${used.length}`,
        goHumanSize(du.layersSize),
        withShare(imageReclaimable, du.layersSize),
      ],
      [
        'Containers',
        `${du.containers.length}`,
        `${du.containers.length - idle.length}`,
        goHumanSize(rw),
        withShare(
          idle.reduce((n, c) => n + c.sizeRw, 0),
          rw,
        ),
      ],
      [
        'Local Volumes',
        `${du.volumes.length}`,
        `${du.volumes.length - unused.length}`,
        goHumanSize(volBytes),
        withShare(
          unused.reduce((n, v) => n + v.size, 0),
          volBytes,
        ),
      ],
      ['Build Cache', '0', '0', '0B', '0B'],
    ],
    10,
  );
}

/** The repository and tag `docker system df -v` shows: the first tag's, else <none>. */
function repoTag(tags: readonly string[]): [string, string] {
  const first = tags[0];
  if (!first) return ['<none>', '<none>'];
  const ref = first; // RepoTags are familiar already (busybox:latest)
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, 'latest'];
}

/** `docker system df -v`: the images, containers and volumes each in a table, then the (empty) build cache. */
export function diskUsageVerbose(du: DiskUsageResult, now = Date.now()): string {
  const images = tabwrite(
    [
      ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS'],
      ...du.images.map(({ image, containers, sharedSize }) => [
        ...repoTag(image.repoTags),
        image.id.replace(/^sha256:/, '').slice(0, 12),
        ago(image.created, now),
        goHumanSize(image.sizeBytes),
        goHumanSize(sharedSize),
        goHumanSize(image.sizeBytes - sharedSize),
        `${containers}`,
      ]),
    ],
    10,
  );
  const containers = tabwrite(
    [
      ['CONTAINER ID', 'IMAGE', 'COMMAND', 'LOCAL VOLUMES', 'SIZE', 'CREATED', 'STATUS', 'NAMES'],
      ...du.containers.map(({ record: c, sizeRw }) => [
        c.Id.slice(0, 12),
        c.Config.Image,
        JSON.stringify(ellipsis([c.Path, ...c.Args].filter((x) => x !== '').join(' '), 20)),
        `${c.HostConfig.Binds.filter((b) => !b.startsWith('/')).length}`,
        goHumanSize(sizeRw, 3),
        ago(c.Created, now),
        statusText(c.State, now),
        bareName(c.Name),
      ]),
    ],
    10,
  );
  const volumes = tabwrite(
    [['VOLUME NAME', 'LINKS', 'SIZE'], ...du.volumes.map((v) => [v.volume.Name, `${v.refCount}`, goHumanSize(v.size)])],
    10,
  );
  const cache = tabwrite([['CACHE ID', 'CACHE TYPE', 'SIZE', 'CREATED', 'LAST USED', 'USAGE', 'SHARED']], 10);
  return [
    'Images space usage:\n\n',
    images,
    '\nContainers space usage:\n\n',
    containers,
    '\nLocal Volumes space usage:\n\n',
    volumes,
    '\nBuild cache usage: 0B\n\n',
    cache,
  ].join('');
}
