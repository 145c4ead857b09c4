import { promises as fs } from 'node:fs';
import { rotatedFile } from './log-index';

/** A container's log files read as one: logical offsets across rotations (log-index.ts), lines, UTF-8. */

const TAIL_CHUNK = 64 * 1024;
export const NL = 0x0a;

/**
 * The log's files laid end to end at their logical offsets: rotated `.N` … `.1`, then the live file. A
 * rotated file shorter than its span (a crash mid-rotation) leaves a gap that reads as nothing.
 */
export class LogView {
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
export async function lineStartFrom(view: LogView, pos: number): Promise<number> {
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
export function utf8Boundary(buf: Buffer): number {
  // Look back at most 3 bytes for the lead byte of the last sequence.
  for (let i = buf.length - 1; i >= Math.max(0, buf.length - 4); i--) {
    const b = buf[i]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return buf.length - i >= need ? buf.length : i;
  }
  return buf.length;
}

/** A partial entry's head: its time, its stream and `P`. */
const PARTIAL = /^\S+ (stdout|stderr) P /;

/** Offset of the first of the last `n` lines (a final line end closes the last line, as in Docker). */
export async function tailStart(view: LogView, n: number): Promise<number> {
  if (n <= 0) return view.end;
  let end = view.end;
  // A log that ends with a line end: that one does not begin another line.
  if (end > view.oldest && (await view.byteAt(end - 1)) === NL) end--;
  // conmon cuts a line where its reads end (`P` entries): only an entry that is not partial ends a line
  const endsLine = async (start: number) => !PARTIAL.test((await view.read(start, 64)).toString('latin1'));
  let seen = 0;
  let pending: number | undefined; // the end of an entry whose start is not found yet
  while (end > view.oldest) {
    const from = Math.max(view.oldest, end - TAIL_CHUNK);
    const chunk = await view.read(from, end - from);
    for (let i = chunk.length - 1; i >= 0; i--) {
      if (chunk[i] !== NL) continue;
      if (pending !== undefined && (await endsLine(from + i + 1)) && ++seen === n) return pending + 1;
      pending = from + i;
    }
    end = from;
  }
  if (pending !== undefined && (await endsLine(view.oldest)) && ++seen === n) return pending + 1;
  return view.oldest;
}
