import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

/**
 * Wakes a waiter when one of the files it names changes (created, written, renamed onto, removed), through
 * inotify (fs.watch, one watch per directory: Node shares one inotify descriptor per process, and one kernel
 * watch per directory however many watch it), when its time is up, or when `signal` aborts. Each file has a
 * kind; a wait names the kinds that end it, and changes of the others are only noted (`take` tells them).
 *
 * inotify can miss what a waiter must not: events dropped when its queue overflows, a filesystem whose
 * changes it does not report, a process that dies without writing anything. A waiter therefore still looks
 * now and then on its own (it gives `wait` a deadline); `watching` is false when a watch could not be set up
 * or has failed since, so the waiter knows to look as often as it did without one.
 */
export class FileWaker<K extends string> {
  private readonly watchers: FSWatcher[] = [];
  private readonly changed = new Set<K>();
  private wakeOn: ReadonlySet<K> = new Set();
  private wake: (() => void) | undefined;
  private closed = false;
  private failed = false;

  constructor(
    files: ReadonlyMap<string, K>,
    private readonly signal?: AbortSignal,
  ) {
    const byDir = new Map<string, Map<string, K>>();
    for (const [file, kind] of files) {
      const dir = path.dirname(file);
      const names = byDir.get(dir) ?? new Map<string, K>();
      byDir.set(dir, names.set(path.basename(file), kind));
    }
    for (const [dir, names] of byDir) {
      let w: FSWatcher;
      try {
        w = watch(dir, { persistent: false }, (_event, name) => {
          // a name is always given on Linux; without one, any file of the directory may have changed
          if (name === null) for (const k of names.values()) this.note(k);
          else {
            const k = names.get(name.toString());
            if (k !== undefined) this.note(k);
          }
        });
      } catch {
        this.failed = true;
        continue;
      }
      w.on('error', () => {
        w.close();
        this.failed = true;
        this.wake?.();
      });
      this.watchers.push(w);
    }
    signal?.addEventListener('abort', this.onAbort);
  }

  /** Whether every watch is in place: false when one could not be set up or has failed (changes may go unseen). */
  get watching(): boolean {
    return !this.failed && !this.closed;
  }

  /**
   * Resolves once a file of one of the kinds `wakeOn` changes (at once if one has since the last `take`), after
   * `ms`, on abort (at once if aborted), when a watch fails, or when closed. Never rejects.
   */
  wait(ms: number, wakeOn: ReadonlySet<K>): Promise<void> {
    if (this.closed || this.signal?.aborted || [...this.changed].some((k) => wakeOn.has(k))) return Promise.resolve();
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

  /** The kinds whose files changed since the last call. */
  take(): Set<K> {
    const kinds = new Set(this.changed);
    this.changed.clear();
    return kinds;
  }

  /** Closes every watch (idempotent) and ends a wait under way. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.watchers) w.close();
    this.watchers.length = 0;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.wake?.();
  }

  private note(kind: K): void {
    this.changed.add(kind);
    if (this.wakeOn.has(kind)) this.wake?.();
  }

  private readonly onAbort = (): void => this.wake?.();
}
