import { promises as fs } from 'node:fs';
import { parseLogLine, type LogEntry } from '../k8s-file';

/**
 * Reading conmon's k8s-file log (runtime/k8s-file.ts) from a byte offset: only whole entries (up to the last
 * newline) are taken, so an entry conmon is still writing is read again, complete, by the next read.
 */

const NL = 0x0a;

/** The whole entries in `buf` and how many bytes they take (up to and with the last newline). */
export function wholeEntries(buf: Buffer): { entries: LogEntry[]; used: number } {
  const end = buf.lastIndexOf(NL);
  if (end < 0) return { entries: [], used: 0 };
  const entries: LogEntry[] = [];
  for (const line of buf.subarray(0, end).toString('utf8').split('\n')) {
    const e = parseLogLine(line);
    if (e) entries.push(e);
  }
  return { entries, used: end + 1 };
}

/** Entries read from `fd` at `at` (at most `limit` bytes), with the offset after them. */
export async function readEntries(
  file: fs.FileHandle,
  at: number,
  limit: number,
): Promise<{ entries: LogEntry[]; next: number; eof: boolean }> {
  const buf = Buffer.alloc(limit);
  const { bytesRead } = await file.read(buf, 0, limit, at);
  const { entries, used } = wholeEntries(buf.subarray(0, bytesRead));
  // an entry longer than the limit (conmon writes at most 8 KiB a time) would never be read whole: skip it
  const skip = used === 0 && bytesRead === limit ? limit : used;
  return { entries, next: at + skip, eof: bytesRead < limit };
}

export interface StreamsPage {
  stdout: string;
  stderr: string;
  /** the offset of the next page */
  next: number;
  /** more was written already */
  more: boolean;
}

/** One page of the log from `cursor`, the streams' texts apart; empty when the file does not exist (yet). */
export async function readStreamsPage(path: string, cursor: number, limit: number): Promise<StreamsPage> {
  const file = await fs.open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!file) return { stdout: '', stderr: '', next: cursor, more: false };
  try {
    const { entries, next, eof } = await readEntries(file, cursor, limit);
    const text = { stdout: '', stderr: '' };
    for (const e of entries) text[e.stream] += e.text;
    return { ...text, next, more: !eof };
  } finally {
    await file.close();
  }
}
