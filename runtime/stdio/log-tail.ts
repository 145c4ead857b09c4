import { watch, promises as fs, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { LogEntry } from '../k8s-file';
import { readEntries } from './k8s-page';

/**
 * Follows conmon's k8s-file log from a byte offset as it grows: woken by inotify (fs.watch of its directory,
 * which also sees the file created or replaced), so each entry is sent as soon as conmon wrote it. A file
 * that shrank (started anew) is read from its start.
 */

export interface TailOptions {
  /** where to start */
  from: number;
  /** called with each batch of entries, in order; the next read waits for it */
  onEntries(entries: LogEntry[]): Promise<void>;
  /** once this resolves, the log is read to its end one last time and the tail ends */
  until: Promise<unknown>;
  /** stops at once (the reader went away) */
  signal?: AbortSignal;
}

/** Bytes read at a time. */
const CHUNK = 64 * 1024;
/** A look even without a notice (a notice can be missed while the watcher is being set up). */
const SAFETY_MS = 1000;

/** Follows the log; resolves with the offset after the last entry read. */
export async function tailLog(file: string, o: TailOptions): Promise<number> {
  let pos = o.from;
  let ended = false;
  let wake: (() => void) | undefined;
  const poke = () => wake?.();
  void o.until.then(() => {
    ended = true;
    poke();
  });
  o.signal?.addEventListener('abort', poke, { once: true });
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(path.dirname(file), poke);
    watcher.on('error', () => undefined);
  } catch {
    watcher = undefined; // the directory does not exist yet: the safety look finds it
  }
  try {
    while (!o.signal?.aborted) {
      const last = ended; // read after the end: holds everything
      pos = await readAll(file, pos, o);
      if (last || o.signal?.aborted) return pos;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, SAFETY_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
        if (ended || o.signal?.aborted) wake();
      });
      wake = undefined;
    }
    return pos;
  } finally {
    watcher?.close();
  }
}

async function readAll(file: string, from: number, o: TailOptions): Promise<number> {
  const fh = await fs.open(file, 'r').catch(() => undefined);
  if (!fh) return from;
  let pos = from;
  try {
    if ((await fh.stat()).size < pos) pos = 0;
    for (;;) {
      const { entries, next, eof } = await readEntries(fh, pos, CHUNK);
      pos = next;
      if (entries.length > 0 && !o.signal?.aborted) await o.onEntries(entries);
      if (eof || o.signal?.aborted) return pos;
    }
  } finally {
    await fh.close();
  }
}
