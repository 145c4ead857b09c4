import { dockerStamp, entryMillis, type LogStream } from './k8s-file';
import { readLogIndex, type LogSample } from './log-index';
import { LogView, NL, pageEnd, tailStart, utf8Boundary } from './log-view';

/**
 * A container's output, read in bounded pages: a payload never grows with the log (Temporal refuses payloads
 * over a few MB, and history keeps every one). conmon writes the log in its k8s-file format (k8s-file.ts): one
 * entry per line with its stream and time, so a page carries chunks of stdout and of stderr, and `-t`,
 * `--since` and `--until` go by the entries' own times. A line that is not an entry was written by a
 * container of the previous release (raw output, stdout and stderr together): it reads as stdout, its time
 * from the index's samples (log-index.ts), as fine as the monitor's sampling (≤ 100 ms). A page ends at an
 * entry's end, so cursors (logical byte offsets, log-index.ts) stay meaningful across rotations.
 */

/** The most one page carries (Docker's clients read logs as a stream; ours page through it). */
export const LOG_PAGE_MAX = 256 * 1024;

export interface LogPageOptions {
  /**
   * logical byte offset to read from: an earlier page's `next`; default the oldest kept byte, or where `since`/`tail`
   * put it
   */
  cursor?: number;
  /** only the last N lines (Docker's --tail), when no cursor is given */
  tail?: number;
  /** only lines written at or after this time (ms since the epoch; Docker's --since), when no cursor is given */
  since?: number;
  /** nothing from the first line written after this time on (ms since the epoch; Docker's --until) */
  until?: number;
  /** prefix each line with the time it was written (Docker's -t), counted within the page's bytes */
  timestamps?: boolean;
  /** bytes in one page at most (capped at LOG_PAGE_MAX) */
  limit?: number;
  /** the time of legacy bytes no sample covers yet (they appeared after the last one); default now */
  now?: number;
}

/** Output of one stream: consecutive entries of a stream make one chunk. */
export interface LogChunk {
  stream: LogStream;
  text: string;
}

export interface LogPage {
  chunks: LogChunk[];
  /** the logical offset after this page: the cursor of the next one */
  next: number;
  /** whether the log held more than this page when it was read */
  more: boolean;
  /** a line written after `until` was met: nothing more is wanted */
  untilReached?: boolean;
}

/** conmon's entries are at most its buffer (8 KiB) plus the prefix: a page reads this far to end one */
const ENTRY_MAX = 16 * 1024;
const ENTRY_START = /^\d{4}-\d\d-\d\dT/;
/** what a chunk costs in the page's JSON besides its text (`{"stream":"stdout","text":""},`) */
const CHUNK_COST = 32;

/**
 * One page of the log whose live file is `file`, read across its rotated files in order; a missing log is
 * empty. A cursor older than the oldest kept byte starts there; one past the end reads nothing from the end.
 * The caller holds the log lock (LOG_LOCK), so no rotation is half-done meanwhile.
 */
export async function readLogPage(file: string, opts: LogPageOptions = {}): Promise<LogPage> {
  const idx = await readLogIndex(file);
  const view = await LogView.open(file, idx.starts);
  try {
    const times = new LineTimes(idx.samples, opts.now ?? Date.now());
    let start = view.oldest;
    if (opts.cursor !== undefined) start = Math.max(start, opts.cursor);
    else {
      if (opts.since !== undefined) start = Math.max(start, await firstLineFrom(view, opts.since, times));
      if (opts.tail !== undefined) start = Math.max(start, await tailStart(view, opts.tail));
    }
    start = view.skipGap(Math.min(start, view.end));
    const limit = Math.max(1, Math.min(opts.limit ?? LOG_PAGE_MAX, LOG_PAGE_MAX));
    let buf = await view.read(start, Math.min(limit, view.end - start));
    if (buf.indexOf(NL) < 0 && ENTRY_START.test(buf.subarray(0, 11).toString('latin1')))
      buf = await view.read(start, Math.min(Math.max(limit, ENTRY_MAX), view.end - start)); // one whole entry
    const goesOn = start + buf.length < view.end;
    // a cursor inside a raw line of the previous release (a page cut it): its rest is not stamped again
    const midLine = start > view.oldest && (await view.byteAt(start - 1)) !== NL;
    const r = render(buf.subarray(0, entriesEnd(buf, goesOn)), start, opts, limit, times, midLine);
    return {
      chunks: r.chunks,
      next: start + r.used,
      more: !r.untilReached && start + r.used < view.end,
      ...(r.untilReached ? { untilReached: true } : {}),
    };
  } finally {
    await view.close();
  }
}

/**
 * Where the page's entries end: after the last line end when there is one; a tail without one is an entry
 * conmon is still writing (held back) or raw output of the previous release (read up to a UTF-8 boundary).
 */
function entriesEnd(buf: Buffer, goesOn: boolean): number {
  const nl = buf.lastIndexOf(NL);
  if (nl + 1 === buf.length) return buf.length;
  const tail = buf.subarray(nl + 1);
  if (ENTRY_START.test(tail.subarray(0, 11).toString('latin1'))) return nl + 1;
  return nl >= 0 && goesOn ? nl + 1 : pageEnd(buf, goesOn);
}

/** One line of the log: conmon's entry, or (undefined) a raw line of the previous release. */
function parseEntry(line: Buffer): { time: string; stream: LogStream; full: boolean; bytes: Buffer } | undefined {
  const a = line.indexOf(0x20);
  const b = a < 0 ? -1 : line.indexOf(0x20, a + 1);
  if (b < 0 || b + 2 > line.length) return undefined;
  const time = line.subarray(0, a).toString('latin1');
  const stream = line.subarray(a + 1, b).toString('latin1');
  const tag = line[b + 1];
  if ((stream !== 'stdout' && stream !== 'stderr') || (tag !== 0x46 && tag !== 0x50) || !ENTRY_START.test(time))
    return undefined;
  if (b + 2 < line.length && line[b + 2] !== 0x20) return undefined;
  return { time, stream, full: tag === 0x46, bytes: line.subarray(Math.min(line.length, b + 3)) };
}

const NEWLINE = Buffer.from('\n');

/** An entry's time in ms since the epoch with its sub-millisecond digits (--since may name an entry's nanosecond). */
function entryTime(time: string): number {
  const digits = /\.(\d+)/.exec(time)?.[1] ?? '';
  return entryMillis(time) + Number(digits.padEnd(9, '0').slice(3, 9)) / 1e6;
}

/** The page's lines as chunks per stream, stamped at line starts, cut so that stamps and text stay within `limit`. */
function render(
  buf: Buffer,
  start: number,
  opts: LogPageOptions,
  limit: number,
  times: LineTimes,
  midLine: boolean,
): { chunks: LogChunk[]; used: number; untilReached: boolean } {
  const parts: { stream: LogStream; bufs: Buffer[] }[] = [];
  const open = { stdout: midLine, stderr: false }; // the stream's last entry was partial: its line goes on
  let pos = 0;
  let cost = 0;
  let untilReached = false;
  while (pos < buf.length) {
    const nl = buf.indexOf(NL, pos);
    let end = nl < 0 ? buf.length : nl + 1;
    const line = buf.subarray(pos, nl < 0 ? buf.length : nl);
    const e = parseEntry(line);
    const stream = e?.stream ?? 'stdout';
    const ms = e ? entryTime(e.time) : times.timeOf(start + pos);
    if (opts.until !== undefined && !open[stream] && ms > opts.until) {
      untilReached = true;
      break;
    }
    const stamp = opts.timestamps && !open[stream] ? `${e ? dockerStamp(e.time) : formatLogTime(ms)} ` : '';
    // a raw line longer than the page: its first bytes, the prefix included
    if (!e && pos === 0 && stamp.length + end > limit)
      end = Math.max(1, utf8Boundary(buf.subarray(0, Math.max(1, limit - stamp.length))));
    const text = e ? (e.full ? [e.bytes, NEWLINE] : [e.bytes]) : [buf.subarray(pos, end)];
    const add = stamp.length + text.reduce((n, t) => n + t.length, 0);
    if (cost + add > limit && pos > 0) break;
    const last = parts.at(-1);
    if (last?.stream !== stream) cost += CHUNK_COST;
    const into = last?.stream === stream ? last : (parts[parts.length] = { stream, bufs: [] });
    if (stamp) into.bufs.push(Buffer.from(stamp));
    into.bufs.push(...text);
    open[stream] = e ? !e.full : buf[end - 1] !== NL;
    cost += add;
    pos = end;
  }
  const chunks = parts.map((p) => ({ stream: p.stream, text: Buffer.concat(p.bufs).toString('utf8') }));
  return { chunks, used: pos, untilReached };
}

/** The first line written at or after `since`: entries by their time, raw lines by the samples. */
async function firstLineFrom(view: LogView, since: number, times: LineTimes): Promise<number> {
  let pos = view.oldest;
  let carry: Buffer = Buffer.alloc(0);
  while (pos + carry.length < view.end) {
    const chunk = await view.read(pos + carry.length, 64 * 1024);
    if (chunk.length === 0) {
      pos = view.skipGap(pos + carry.length + 1);
      carry = Buffer.alloc(0);
      continue;
    }
    const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    let at = 0;
    for (let nl = buf.indexOf(NL); nl >= 0; nl = buf.indexOf(NL, at)) {
      const e = parseEntry(buf.subarray(at, nl));
      if ((e ? entryTime(e.time) : times.timeOf(pos + at)) >= since) return pos + at;
      at = nl + 1;
    }
    pos += at;
    carry = buf.subarray(at);
  }
  return carry.length && times.timeOf(pos) >= since ? pos : view.end;
}

/** The whole text of a page (tests, and readers of one stream). */
export const pageText = (page: Pick<LogPage, 'chunks'>): string => page.chunks.map((c) => c.text).join('');

/** A page of a plain output file (an exec's stdout or stderr): text as written, cut at a line end. */
export async function readPlainPage(
  file: string,
  opts: { cursor: number; limit: number },
): Promise<{ text: string; next: number; more: boolean }> {
  const view = await LogView.open(file, [0]);
  try {
    const start = Math.min(opts.cursor, view.end);
    const buf = await view.read(start, Math.min(Math.min(opts.limit, LOG_PAGE_MAX), view.end - start));
    const cut = pageEnd(buf, start + buf.length < view.end);
    return { text: buf.subarray(0, cut).toString('utf8'), next: start + cut, more: start + cut < view.end };
  } finally {
    await view.close();
  }
}

/** A byte's time in Docker's format, RFC 3339 with nanoseconds (ours are whole milliseconds). */
export function formatLogTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

/** When the bytes of a legacy log appeared, from its samples: the earliest sample covering a byte is its time. */
export class LineTimes {
  private readonly ends: number[];
  /** minimum time over this sample and every later one (by end) */
  private readonly minFrom: number[];

  constructor(
    samples: readonly LogSample[],
    private readonly now: number,
  ) {
    const sorted = [...samples].sort((a, b) => a.end - b.end);
    this.ends = sorted.map((s) => s.end);
    this.minFrom = sorted.map((s) => s.time);
    for (let i = sorted.length - 2; i >= 0; i--) this.minFrom[i] = Math.min(this.minFrom[i]!, this.minFrom[i + 1]!);
  }

  /** The time of the byte at logical offset `at` (`now` for bytes no sample covers yet). */
  timeOf(at: number): number {
    let lo = 0;
    let hi = this.ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ends[mid]! > at) hi = mid;
      else lo = mid + 1;
    }
    return lo < this.ends.length ? Math.min(this.minFrom[lo]!, this.now) : this.now;
  }

  /** The first offset whose byte's time is ≥ `since` (times only grow along the log); `end` when none. */
  firstAtOrAfter(since: number, end: number): number {
    if (this.now < since) return end;
    let from = 0;
    for (let i = 0; i < this.ends.length; i++) if (this.minFrom[i]! < since) from = Math.max(from, this.ends[i]!);
    return Math.min(from, end);
  }
}

export { pageEnd, utf8Boundary };
