import type { PullLayer } from '../common/pull-api';
import type { PullView } from './pull';

/** One layer's line as Docker's progress shows it (`<12 hex>: Downloading [==>  ] 1MB/3MB`). */
export interface LayerLine {
  host: string;
  /** the blob digest's first 12 hex digits (Docker's layer ID in progress output) */
  id: string;
  status: 'Waiting' | 'Already exists' | 'Downloading' | 'Verifying Checksum' | 'Extracting' | 'Pull complete';
  current?: number;
  total: number;
}

export const shortDigest = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);

function statusOf(l: PullLayer, view: PullView): Pick<LayerLine, 'status' | 'current'> {
  const beat = view.bytes[l.digest];
  switch (l.state) {
    case 'already exists':
      return { status: 'Already exists' };
    case 'complete':
      return { status: 'Pull complete' };
    case 'waiting':
      return { status: 'Waiting' };
    default:
      if (beat?.phase === 'verifying') return { status: 'Verifying Checksum' };
      if (beat?.phase === 'extracting') return { status: 'Extracting' };
      return { status: 'Downloading', current: beat?.offset ?? 0 };
  }
}

/** Every layer of every host, in the image's order. */
export function layerLines(view: PullView): LayerLine[] {
  return view.hosts.flatMap((h) =>
    (h.resolved?.layers ?? []).map((l) => ({
      host: h.host,
      id: shortDigest(l.digest),
      total: l.size,
      ...statusOf(l, view),
    })),
  );
}

/** A byte count as Docker's progress writes it (units of 1000: `1.05MB`). */
export function bytesText(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v}B` : `${v.toFixed(v < 10 ? 3 : v < 100 ? 2 : 1).replace(/\.?0+$/, '')}${units[i]}`;
}

/** The line's text after its ID: the status, and a bar with bytes while downloading. */
export function lineText(l: LayerLine, width = 50): string {
  if (l.current === undefined || l.total === 0) return l.status;
  const done = Math.min(width, Math.floor((l.current / l.total) * width));
  const bar = `[${'='.repeat(Math.max(0, done - 1))}${done > 0 ? '>' : ''}${' '.repeat(width - done)}]`;
  return `${l.status} ${bar} ${bytesText(l.current)}/${bytesText(l.total)}`;
}
