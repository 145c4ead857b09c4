import type { ImageDeleteItem } from '../common/image-verbs-api';
import type { ImageListResult } from '../common/ops-api';
import type { HistoryItem } from '../images/history';
import { ago, ellipsis, humanDuration, humanSize } from './output';

/** Docker's `docker images` and `docker history` tables, made from the records (pure: the CLI prints them). */

export interface ImageRowOptions {
  digests?: boolean;
  noTrunc?: boolean;
  now?: number;
}

const shortId = (id: string) => id.slice(id.indexOf(':') + 1).slice(0, 12);

/** `name:tag` → [name, tag]; `name@digest` → [name, digest] (the split at the tag's or digest's separator). */
function split(ref: string, sep: '@' | ':'): [string, string] {
  const i = sep === '@' ? ref.indexOf('@') : ref.lastIndexOf(':');
  return [ref.slice(0, i), ref.slice(i + 1)];
}

/**
 * One row per repository and tag (Docker's image formatter): an image without references is `<none> <none>`;
 * digests of a tagged repository show beside its tags with `--digests`, a repository known only by digest
 * has a `<none>` tag. Columns REPOSITORY TAG [DIGEST] IMAGE ID CREATED SIZE, then the hosts that have it.
 */
export function imageRows(images: ImageListResult, opts: ImageRowOptions = {}): string[][] {
  const now = opts.now ?? Date.now();
  const rows: string[][] = [];
  for (const img of [...images].sort((a, b) => Date.parse(b.created) - Date.parse(a.created))) {
    const rest = [
      opts.noTrunc ? img.id : shortId(img.id),
      ago(img.created, now),
      humanSize(img.sizeBytes),
      (img.hosts ?? []).join(','),
    ];
    const row = (repo: string, tag: string, digest: string) => [repo, tag, ...(opts.digests ? [digest] : []), ...rest];
    if (img.repoTags.length === 0 && img.repoDigests.length === 0) {
      rows.push(row('<none>', '<none>', '<none>'));
      continue;
    }
    const digests = new Map<string, string[]>();
    for (const d of img.repoDigests) {
      const [repo, digest] = split(d, '@');
      digests.set(repo, [...(digests.get(repo) ?? []), digest]);
    }
    const tagged = new Set<string>();
    for (const t of img.repoTags) {
      const [repo, tag] = split(t, ':');
      tagged.add(repo);
      const mine = opts.digests ? (digests.get(repo) ?? []) : [];
      if (mine.length === 0) rows.push(row(repo, tag, '<none>'));
      for (const d of mine) rows.push(row(repo, tag, d));
    }
    for (const [repo, list] of digests) {
      if (tagged.has(repo)) continue;
      if (opts.digests) for (const d of list) rows.push(row(repo, '<none>', d));
      else rows.push(row(repo, '<none>', ''));
    }
  }
  return rows;
}

export const imageHead = (digests?: boolean) => [
  'REPOSITORY',
  'TAG',
  ...(digests ? ['DIGEST'] : []),
  'IMAGE ID',
  'CREATED',
  'SIZE',
  'HOST',
];

/** `docker history`: IMAGE CREATED CREATED BY SIZE COMMENT, the command cut at 45 characters unless noTrunc. */
export function historyRows(items: readonly HistoryItem[], opts: { noTrunc?: boolean; now?: number } = {}) {
  const now = opts.now ?? Date.now();
  return items.map((h) => [
    h.Id === '<missing>' || opts.noTrunc ? h.Id : shortId(h.Id),
    h.Created ? `${humanDuration(now - h.Created * 1000)} ago` : 'N/A',
    opts.noTrunc ? h.CreatedBy : ellipsis(h.CreatedBy.replace(/\s+/g, ' '), 45),
    humanSize(h.Size),
    h.Comment,
  ]);
}
export const HISTORY_HEAD = ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'];

/** docker rmi's lines: `Untagged: busybox:latest`, `Deleted: sha256:…`. */
export const deleteLines = (items: readonly ImageDeleteItem[]) =>
  items.map((i) => (i.Untagged !== undefined ? `Untagged: ${i.Untagged}` : `Deleted: ${i.Deleted}`));
