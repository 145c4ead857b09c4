/**
 * conmon's `k8s-file` log format, one entry per line: `<RFC 3339 time> <stdout|stderr> <F|P> <bytes>\n`.
 * `F` ends a line of the process's output (its newline is the entry's), `P` is a partial line (written as it
 * came, without a newline of its own): joining the entries' text, with a newline after each `F`, gives each
 * stream byte for byte. Docker's json-file keeps the same facts (stream and time per line).
 */

export type LogStream = 'stdout' | 'stderr';

export interface LogEntry {
  /** the time conmon read the bytes, as written (nanoseconds, with its offset) */
  time: string;
  stream: LogStream;
  /** false for a `P` entry: the text goes on in the next entry of the stream */
  full: boolean;
  /** the bytes, with the newline an `F` entry stands for */
  text: string;
}

const ENTRY = /^(\S+) (stdout|stderr) ([FP]) (.*)$/s;

/** One line of the file, without its newline; undefined for a line that is not an entry (a torn write). */
export function parseLogLine(line: string): LogEntry | undefined {
  const m = ENTRY.exec(line);
  if (!m) return undefined;
  const full = m[3] === 'F';
  return { time: m[1]!, stream: m[2] as LogStream, full, text: full ? `${m[4]}\n` : m[4]! };
}

/** Milliseconds since the epoch of an entry's time (conmon writes `+00:00` or `Z`, with nanoseconds). */
export function entryMillis(time: string): number {
  return Date.parse(time.replace(/(\.\d{3})\d+/, '$1'));
}

/** Docker's `-t` stamp of an entry: RFC 3339 in UTC with nine fractional digits. */
export function dockerStamp(time: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (m && (m[3] === 'Z' || m[3] === '+00:00')) return `${m[1]}.${(m[2] ?? '').padEnd(9, '0').slice(0, 9)}Z`;
  const ms = entryMillis(time);
  return Number.isNaN(ms) ? time : new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

/** An entry as conmon would write it (the simulated driver's logs, tests). */
export function formatLogEntry(time: Date, stream: LogStream, text: string): string {
  const stamp = time.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
  const lines = text.split('\n');
  const last = lines.pop()!;
  return lines.map((l) => `${stamp} ${stream} F ${l}\n`).join('') + (last ? `${stamp} ${stream} P ${last}\n` : '');
}
