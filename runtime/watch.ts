import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

/**
 * Wakes a waiter when one of the files it names changes (created, written, renamed onto, removed), through
 * inotify (fs.watch, one watch per directory: Node shares one inotify descriptor per process, and one kernel
 * watch per directory however many watch it), when its time is up, or when `signal` aborts. Each file has a
 * kind; a wait names the kinds that end it, and changes of the others are only noted (`take` tells them).
 *
 * A watched directory reports every write to every file in it, and each report costs the process a wake-up
 * and a callback: a file written in a tight loop (a chatty container's log) would cost a CPU core. So a
 * kind may be given a flood limit: past that many changes of it between two `take`s, the watch of its
 * directory is dropped (the other files there go unseen too) until `resume`. `watching` is false while a
 * watch is dropped, could not be set up (no directory, no inotify) or has failed: the waiter must then look
 * on its own, often, and call `resume` before each look.
 *
 * inotify can also miss what a waiter must not: events dropped when its queue overflows, a filesystem whose
 * changes it does not report, a process that dies without writing anything. A waiter therefore still looks
 * now and then on its own (it gives `wait` a deadline).
 */
export class FileWaker<K extends string> {
  private readonly dirs: { dir: string; names: Map<string, K>; watcher?: FSWatcher }[] = [];
  private readonly changed = new Set<K>();
  private wakeOn: ReadonlySet<K> = new Set();
  private wake: (() => void) | undefined;
  private closed = false;
  private floodCount = 0;

  constructor(
    files: ReadonlyMap<string, K>,
    private readonly opts: { signal?: AbortSignal; flood?: { kind: K; limit: number } } = {},
  ) {
    for (const [file, kind] of files) {
      const dir = path.dirname(file);
      let entry = this.dirs.find((d) => d.dir === dir);
      if (!entry) this.dirs.push((entry = { dir, names: new Map() }));
      entry.names.set(path.basename(file), kind);
    }
    this.resume();
    opts.signal?.addEventListener('abort', this.onAbort);
  }

  /** Whether every directory is watched now: false when a watch is dropped, failed or could not be set up. */
  get watching(): boolean {
    return !this.closed && this.dirs.every((d) => d.watcher !== undefined);
  }

  /** Sets up again every watch that is not in place (dropped for a flood, failed, its directory missing). */
  resume(): void {
    if (this.closed) return;
    for (const d of this.dirs) {
      if (d.watcher) continue;
      try {
        const w = watch(d.dir, { persistent: false }, (_event, name) => {
          if (d.watcher !== w) return; // dropped meanwhile
          // a name is always given on Linux; without one, any file of the directory may have changed
          if (name === null) for (const k of d.names.values()) this.note(k, d);
          else {
            const k = d.names.get(name.toString());
            if (k !== undefined) this.note(k, d);
          }
        });
        w.on('error', () => {
          this.drop(d);
          this.wake?.();
        });
        d.watcher = w;
      } catch {
        // no such directory, or no inotify: `watching` says so
      }
    }
  }

  /**
   * Resolves once a file of one of the kinds `wakeOn` changes (at once if one has since the last `take`), after
   * `ms`, on abort (at once if aborted), when a watch is dropped or fails, or when closed. Never rejects.
   */
  wait(ms: number, wakeOn: ReadonlySet<K>): Promise<void> {
    if (this.closed || this.opts.signal?.aborted || [...this.changed].some((k) => wakeOn.has(k)))
      return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.wakeOn = new Set();
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.wake = done;
      this.wakeOn = wakeOn;
    });
  }

  /** The kinds whose files changed since the last call (and a new count towards the flood limit). */
  take(): Set<K> {
    const kinds = new Set(this.changed);
    this.changed.clear();
    this.floodCount = 0;
    return kinds;
  }

  /** Closes every watch (idempotent) and ends a wait under way. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const d of this.dirs) this.drop(d);
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.wake?.();
  }

  private drop(d: { watcher?: FSWatcher }): void {
    d.watcher?.close();
    d.watcher = undefined;
  }

  private note(kind: K, d: { watcher?: FSWatcher }): void {
    this.changed.add(kind);
    if (this.opts.flood?.kind === kind && ++this.floodCount > this.opts.flood.limit) {
      this.drop(d);
      this.wake?.();
      return;
    }
    if (this.wakeOn.has(kind)) this.wake?.();
  }

  private readonly onAbort = (): void => this.wake?.();
}
