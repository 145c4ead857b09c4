import { promises as fs } from 'node:fs';

/**
 * The sidecar index of a container's log: WHEN its bytes appeared, and where each of its files begins.
 *
 * A container of the previous release wrote container.log itself (O_APPEND, through its shim), raw, with no process
 * of ours in between, so nothing saw a line as it was written (conmon's entries carry their own time). Instead the
 * container monitor samples the log when inotify says it was written, at most every 100 ms (runtime/monitor.ts):
 * when it has grown, one line `<end> <ms>` is appended to `container.log.index`, saying "every byte below logical
 * offset <end> existed at time <ms>". A byte's time is the earliest sample that covers it, so timestamps are as
 * fine as that (a line printed just after a sample gets the next one's time, ≤ 100 ms later), and bytes already
 * there at the first sample get that sample's time.
 *
 * Offsets are logical: rotation (copy-then-truncate, see `LogSampler.rotate`) starts container.log again at
 * physical offset 0, and the index's first line `starts <s…>` says at which logical offset each file begins,
 * oldest first (`.N` … `.1`, then container.log). A cursor thus names the same byte across rotations.
 */

/**
 * The store lock (in the container's directory) a rotation holds, and each page read: a reader never sees
 * the files half-way through a rotation. Samples are appended without it.
 */
export const LOG_LOCK = 'log.lock';

/** The index file of the log at `log`. */
export const indexFile = (log: string): string => `${log}.index`;
/** The n-th rotated file (1 = the newest). */
export const rotatedFile = (log: string, n: number): string => `${log}.${n}`;

/**
 * How large a container's log may grow: Docker's json-file `max-size` (bytes) and `max-file` (files kept, the live one
 * included).
 */
export interface LogBound {
  maxSize: number;
  maxFile: number;
}

/** Bytes below `end` (logical) existed at `time` (ms since the epoch). */
export interface LogSample {
  end: number;
  time: number;
}

export interface LogIndex {
  /** logical start of each file, oldest first: rotated `.N` … `.1`, then the live file (always at least one) */
  starts: number[];
  samples: LogSample[];
}

const EMPTY_HEADER = 'starts 0\n';

/** The index of the log at `log` (a missing or unreadable one: a log that never rotated, with no samples). */
export async function readLogIndex(log: string): Promise<LogIndex> {
  const text = await fs.readFile(indexFile(log), 'utf8').catch(() => '');
  const lines = text.split('\n');
  const header = /^starts((?: \d+)+)$/.exec(lines[0] ?? '');
  const starts = header ? header[1]!.trim().split(' ').map(Number) : [0];
  const samples: LogSample[] = [];
  for (const line of lines.slice(1)) {
    // a line cut short by a crash mid-append does not match
    const m = /^(\d+) (\d+)$/.exec(line);
    if (m) samples.push({ end: Number(m[1]), time: Number(m[2]) });
  }
  return { starts, samples };
}

/** The size of a file; undefined when it does not exist. */
async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await fs.stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function writeIndex(log: string, idx: LogIndex): Promise<void> {
  const tmp = `${indexFile(log)}.tmp`;
  await fs.writeFile(
    tmp,
    `starts ${idx.starts.join(' ')}\n${idx.samples.map((s) => `${s.end} ${s.time}\n`).join('')}`,
    { mode: 0o600 },
  );
  await fs.rename(tmp, indexFile(log));
}

/**
 * Samples one log, sample after sample: one stat per call, and one append when the log has grown. It remembers
 * the index between calls, so only the first call reads it. Several samplers of one log may run at once (the
 * monitor's, and each reader's): every sample any of them appends is true when written ("these bytes were
 * there by then"), and a byte's time is the earliest sample covering it, so duplicates and an out-of-order
 * append change nothing. Only the monitor's sampler rotates, under the log lock (LOG_LOCK).
 */
export class LogSampler {
  private index: { starts: number[]; lastEnd: number; exists: boolean } | undefined;

  constructor(readonly log: string) {}

  /**
   * Appends a sample `(logical size, now)` if the log has grown since the last one; returns the live file's
   * size (undefined when there is no log yet), so the caller can decide to rotate.
   */
  async sample(now = Date.now()): Promise<number | undefined> {
    const idx = (this.index ??= await this.load());
    // the index is read before the stat: a rotation in between makes the end too small, never too large
    const size = await sizeOf(this.log);
    if (size === undefined) return undefined;
    const end = idx.starts.at(-1)! + size;
    if (end > idx.lastEnd) {
      // the first sample of a log writes the header (unless another sampler just did)
      if (!idx.exists) await fs.writeFile(indexFile(this.log), EMPTY_HEADER, { flag: 'wx' }).catch(() => {});
      idx.exists = true;
      await fs.appendFile(indexFile(this.log), `${end} ${Math.round(now)}\n`);
      idx.lastEnd = end;
    }
    return size;
  }

  /**
   * Docker's json-file rotation, done as logrotate's copytruncate because the container holds container.log
   * open (O_APPEND) and no process of ours writes it: copy container.log aside, truncate it to 0 at once
   * (the writer's next append lands at offset 0), then shift .1→.2 … (dropping what goes beyond max-file),
   * name the copy .1 and record in the index where the live file now begins. Bytes the container writes
   * between the copy and the truncate are lost, as with copytruncate: the truncate follows the copy
   * directly to keep that window short. The caller holds the log lock, so no reader sees the files
   * half-way; a worker killed mid-rotation may leave that rotation's bytes out of reads. With max-file 1
   * nothing is kept: the log is truncated.
   */
  async rotate(bound: LogBound, now = Date.now()): Promise<void> {
    const idx = await readLogIndex(this.log);
    const live = idx.starts.at(-1)!;
    const kept = bound.maxFile - 1;
    const tmp = `${this.log}.rotating`;
    if (kept > 0) await fs.copyFile(this.log, tmp);
    const copied = (await sizeOf(kept > 0 ? tmp : this.log)) ?? 0;
    await fs.truncate(this.log, 0);
    if (kept > 0) {
      for (let n = idx.starts.length - 1; n >= kept; n--) await fs.rm(rotatedFile(this.log, n), { force: true });
      for (let n = Math.min(idx.starts.length - 1, kept - 1); n >= 1; n--)
        await fs.rename(rotatedFile(this.log, n), rotatedFile(this.log, n + 1));
      await fs.rename(tmp, rotatedFile(this.log, 1));
    }
    const base = live + copied;
    // the live file's bytes are now .1's: [old starts…, base], of which the newest max-file are kept
    const files = [...idx.starts, base].slice(-(kept + 1));
    const oldest = files[0]!;
    // samples of dropped bytes go; so does one past the copy (bytes lost in the copytruncate window)
    const samples = idx.samples.filter((s) => s.end > oldest && s.end <= base);
    if (!samples.some((s) => s.end === base)) samples.push({ end: base, time: Math.round(now) });
    await writeIndex(this.log, { starts: files, samples });
    this.index = { starts: files, lastEnd: base, exists: true };
  }

  private async load(): Promise<{ starts: number[]; lastEnd: number; exists: boolean }> {
    const exists = (await sizeOf(indexFile(this.log))) !== undefined;
    const idx = await readLogIndex(this.log);
    // a log that shrank outside a rotation (a failed start drops its own lines) is sampled again once it
    // grows past what was sampled: its new bytes until then share the older samples' times
    const lastEnd = idx.samples.reduce((m, s) => Math.max(m, s.end), idx.starts.at(-1)!);
    return { starts: idx.starts, lastEnd, exists };
  }
}

/** One sample of the log at `log` now: what readers call before reading, so a read sees the latest times. */
export async function sampleLog(log: string, now = Date.now()): Promise<void> {
  await new LogSampler(log).sample(now);
}

/** The log's files that exist besides container.log: rotated files and the index (for removal). */
export async function logSidecars(log: string): Promise<string[]> {
  const idx = await readLogIndex(log);
  return [indexFile(log), ...idx.starts.slice(0, -1).map((_, i) => rotatedFile(log, i + 1))];
}
