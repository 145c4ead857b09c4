import { promises as fs } from 'node:fs';
import { readLogIndex, rotatedFile, type LogSample } from './log-index';

/**
 * A container's output, read in bounded pages: a payload never grows with the log (Temporal refuses payloads
 * over a few MB, and history keeps every one). A page ends at a line end where it can, and never inside a
 * UTF-8 sequence, so pages concatenate to the log byte for byte. Cursors are logical offsets (log-index.ts),
 * so they stay meaningful across rotations; timestamps come from the index's samples, as fine as the
 * monitor's sampling (≤ 100 ms).
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
  /** only lines that appeared at or after this time (ms since the epoch; Docker's --since), when no cursor is given */
  since?: number;
  /** prefix each line with the time it appeared (Docker's -t), counted within the page's bytes */
  timestamps?: boolean;
  /** bytes in one page at most (capped at LOG_PAGE_MAX) */
  limit?: number;
  /** the time of bytes no sample covers yet (they appeared after the last one); default now */
  now?: number;
}

export interface LogPage {
  text: string;
  /** the logical offset after this page: the cursor of the next one */
  next: number;
  /** whether the log held more than this page when it was read */
  more: boolean;
}

const TAIL_CHUNK = 64 * 1024;
const NL = 0x0a;
/** `2026-11-30T23:30:01.123000000Z ` */
const STAMP_LEN = 31;

/**
 * One page of the log whose live file is `file`, read across its rotated files (log-index.ts) in order; a
 * missing log is empty. A cursor older than the oldest kept byte starts there; one past the end reads
 * nothing from the end. The caller holds the log lock (LOG_LOCK), so no rotation is half-done meanwhile.
 */
export async function readLogPage(file: string, opts: LogPageOptions = {}): Promise<LogPage> {
  const idx = await readLogIndex(file);
  const view = await LogView.open(file, idx.starts);
  try {
    const now = opts.now ?? Date.now();
    const times = new LineTimes(idx.samples, now);
    let start = view.oldest;
    if (opts.cursor !== undefined) start = Math.max(start, opts.cursor);
    else {
      if (opts.since !== undefined)
        start = Math.max(start, await lineStartFrom(view, times.firstAtOrAfter(opts.since, view.end)));
      if (opts.tail !== undefined) start = Math.max(start, await tailStart(view, opts.tail));
    }
    start = view.skipGap(Math.min(start, view.end));
    const limit = Math.max(1, Math.min(opts.limit ?? LOG_PAGE_MAX, LOG_PAGE_MAX));
    const buf = await view.read(start, Math.min(limit, view.end - start));
    const goesOn = start + buf.length < view.end;
    let cut = pageEnd(buf, goesOn);
    let text: string;
    if (opts.timestamps) {
      const atLineStart = start === view.oldest || (await view.byteAt(start - 1)) === NL;
      ({ cut, text } = stamped(buf.subarray(0, cut), start, atLineStart, limit, times));
    } else text = buf.subarray(0, cut).toString('utf8');
    return { text, next: start + cut, more: start + cut < view.end };
  } finally {
    await view.close();
  }
}

/** A byte's time in Docker's format, RFC 3339 with nanoseconds (ours are whole milliseconds). */
export function formatLogTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

/** When the bytes of a log appeared, from its samples: the earliest sample covering a byte is its time. */
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

/**
 * The page with each line that begins in it prefixed by its time, cut at a line end so that text and
 * prefixes stay within `limit` (a line longer than that is cut inside, never in a UTF-8 sequence).
 */
function stamped(
  buf: Buffer,
  start: number,
  atLineStart: boolean,
  limit: number,
  times: LineTimes,
): { cut: number; text: string } {
  const parts: string[] = [];
  let pos = 0;
  let cost = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(NL, pos);
    const end = nl < 0 ? buf.length : nl + 1;
    const lineStart = pos > 0 || atLineStart;
    const add = end - pos + (lineStart ? STAMP_LEN : 0);
    if (cost + add > limit) {
      if (pos > 0) break;
      // not even one line fits: its first bytes (with the prefix), at a UTF-8 boundary
      const part = buf.subarray(0, utf8Boundary(buf.subarray(0, Math.max(1, limit - (lineStart ? STAMP_LEN : 0)))));
      return {
        cut: part.length,
        text: (lineStart ? `${formatLogTime(times.timeOf(start))} ` : '') + part.toString('utf8'),
      };
    }
    parts.push(
      (lineStart ? `${formatLogTime(times.timeOf(start + pos))} ` : '') + buf.subarray(pos, end).toString('utf8'),
    );
    cost += add;
    pos = end;
  }
  return { cut: pos, text: parts.join('') };
}

/**
 * The log's files laid end to end at their logical offsets: rotated `.N` … `.1`, then the live file. A
 * rotated file shorter than its span (a crash mid-rotation) leaves a gap that reads as nothing.
 */
class LogView {
  /** the oldest kept byte */
  readonly oldest: number;
  /** the end of the log */
  readonly end: number;

  private constructor(
    private readonly files: ReadonlyArray<{ fh: fs.FileHandle; start: number; size: number }>,
    base: number,
  ) {
    this.oldest = files[0]?.start ?? base;
    this.end = files.length > 0 ? files.at(-1)!.start + files.at(-1)!.size : base;
  }

  static async open(file: string, starts: readonly number[]): Promise<LogView> {
    const files: Array<{ fh: fs.FileHandle; start: number; size: number }> = [];
    const rotated = starts.length - 1;
    try {
      for (let i = 0; i < starts.length; i++) {
        const fh = await fs
          .open(i < rotated ? rotatedFile(file, rotated - i) : file, 'r')
          .catch((err: NodeJS.ErrnoException) => {
            if (err.code === 'ENOENT') return undefined;
            throw err;
          });
        if (!fh) continue;
        const size = (await fh.stat()).size;
        files.push({ fh, start: starts[i]!, size: i < rotated ? Math.min(size, starts[i + 1]! - starts[i]!) : size });
      }
    } catch (err) {
      await Promise.all(files.map((f) => f.fh.close()));
      throw err;
    }
    return new LogView(files, starts.at(-1)!);
  }

  /** `pos`, or the start of the next file when `pos` lies in a gap; at most the end. */
  skipGap(pos: number): number {
    for (const f of this.files) {
      if (pos < f.start) return f.start;
      if (pos < f.start + f.size) return pos;
    }
    return this.end;
  }

  /** Up to `len` bytes from `pos`, across files; stops short at a gap or the end. */
  async read(pos: number, len: number): Promise<Buffer> {
    const out = Buffer.alloc(Math.max(0, len));
    let got = 0;
    for (const f of this.files) {
      if (got === out.length) break;
      const at = pos + got;
      if (at < f.start) break; // a gap
      if (at >= f.start + f.size) continue;
      const want = Math.min(out.length - got, f.start + f.size - at);
      const { bytesRead } = await f.fh.read(out, got, want, at - f.start);
      got += bytesRead;
      if (bytesRead < want) break;
    }
    return out.subarray(0, got);
  }

  async byteAt(pos: number): Promise<number | undefined> {
    return (await this.read(pos, 1))[0];
  }

  async close(): Promise<void> {
    await Promise.all(this.files.map((f) => f.fh.close()));
  }
}

/** The first line that begins at or after `pos` (the oldest kept byte counts as a line's beginning). */
async function lineStartFrom(view: LogView, pos: number): Promise<number> {
  if (pos <= view.oldest) return view.oldest;
  if (pos >= view.end || (await view.byteAt(pos - 1)) === NL) return Math.min(pos, view.end);
  while (pos < view.end) {
    const buf = await view.read(pos, TAIL_CHUNK);
    if (buf.length === 0) {
      pos = view.skipGap(pos + 1);
      continue;
    }
    const nl = buf.indexOf(NL);
    if (nl >= 0) return pos + nl + 1;
    pos += buf.length;
  }
  return view.end;
}

/**
 * Where a page of `buf` ends: after its last line end when the log goes on past it (and it has one), and
 * never inside a UTF-8 sequence (a writer may be half-way through one at the end of the file).
 */
export function pageEnd(buf: Buffer, logGoesOn: boolean): number {
  if (logGoesOn) {
    const nl = buf.lastIndexOf(NL);
    if (nl >= 0) return nl + 1;
  }
  return utf8Boundary(buf);
}

/** The length of `buf` without a trailing incomplete UTF-8 sequence. */
function utf8Boundary(buf: Buffer): number {
  // Look back at most 3 bytes for the lead byte of the last sequence.
  for (let i = buf.length - 1; i >= Math.max(0, buf.length - 4); i--) {
    const b = buf[i]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return buf.length - i >= need ? buf.length : i;
  }
  return buf.length;
}

/** Offset of the first of the last `n` lines (a final line end closes the last line, as in Docker). */
async function tailStart(view: LogView, n: number): Promise<number> {
  if (n <= 0) return view.end;
  let end = view.end;
  // A log that ends with a line end: that one does not begin another line.
  if (end > view.oldest && (await view.byteAt(end - 1)) === NL) end--;
  let seen = 0;
  while (end > view.oldest) {
    const from = Math.max(view.oldest, end - TAIL_CHUNK);
    const chunk = await view.read(from, end - from);
    for (let i = chunk.length - 1; i >= 0; i--) {
      if (chunk[i] === NL && ++seen === n) return from + i + 1;
    }
    end = from;
  }
  return view.oldest;
}
