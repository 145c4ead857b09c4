import { promises as fs } from 'node:fs';

/**
 * A container's output, read in bounded pages: a payload never grows with the log (Temporal refuses payloads
 * over a few MB, and history keeps every one). A page ends at a line end where it can, and never inside a
 * UTF-8 sequence, so pages concatenate to the log byte for byte.
 */

/** The most one page carries (Docker's clients read logs as a stream; ours page through it). */
export const LOG_PAGE_MAX = 256 * 1024;

export interface LogPageOptions {
  /** byte offset to read from: an earlier page's `next`; default the start, or where `tail` puts it */
  cursor?: number;
  /** only the last N lines (Docker's --tail), when no cursor is given */
  tail?: number;
  /** bytes in one page at most (capped at LOG_PAGE_MAX) */
  limit?: number;
}

export interface LogPage {
  text: string;
  /** the offset after this page: the cursor of the next one */
  next: number;
  /** whether the log held more than this page when it was read */
  more: boolean;
}

const TAIL_CHUNK = 64 * 1024;
const NL = 0x0a;

/** One page of the log file at `file` (a missing file is an empty log). */
export async function readLogPage(file: string, opts: LogPageOptions = {}): Promise<LogPage> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { text: '', next: 0, more: false };
    throw err;
  }
  try {
    const size = (await fh.stat()).size;
    const start = Math.min(size, opts.cursor ?? (opts.tail !== undefined ? await tailStart(fh, size, opts.tail) : 0));
    const limit = Math.max(1, Math.min(opts.limit ?? LOG_PAGE_MAX, LOG_PAGE_MAX));
    const buf = Buffer.alloc(Math.min(limit, size - start));
    const { bytesRead } = await fh.read(buf, 0, buf.length, start);
    const cut = pageEnd(buf.subarray(0, bytesRead), start + bytesRead < size);
    return { text: buf.subarray(0, cut).toString('utf8'), next: start + cut, more: start + cut < size };
  } finally {
    await fh.close();
  }
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
async function tailStart(fh: fs.FileHandle, size: number, n: number): Promise<number> {
  if (n <= 0) return size;
  let end = size;
  // A log that ends with a line end: that one does not begin another line.
  const last = Buffer.alloc(1);
  if (size > 0 && (await fh.read(last, 0, 1, size - 1)).bytesRead === 1 && last[0] === NL) end = size - 1;
  let seen = 0;
  const chunk = Buffer.alloc(TAIL_CHUNK);
  while (end > 0) {
    const from = Math.max(0, end - TAIL_CHUNK);
    const { bytesRead } = await fh.read(chunk, 0, end - from, from);
    for (let i = bytesRead - 1; i >= 0; i--) {
      if (chunk[i] === NL && ++seen === n) return from + i + 1;
    }
    end = from;
  }
  return 0;
}
