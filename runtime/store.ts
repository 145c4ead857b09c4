import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { ContainerError } from '../common/errors';
import { findContainer } from '../common/lookup';
import type { ContainerEvent, ContainerRecord } from '../common/types';
import { isPidAlive, readJson, sleep, writeJsonAtomic } from './fsutil';
import { isFullId } from '../common/names';

/**
 * The on-disk state both drivers share, laid out like Docker's:
 *   <root>/containers/<id>/config.json   record (config + hostConfig + state), written atomically
 *   <root>/containers/<id>/.lock         per-container lock (pid inside; a dead holder's lock is taken over)
 *   <root>/events.jsonl                  append-only events
 *   <root>/images/<name>/…               images
 *   <root>/volumes/<name>/_data          named volumes (and volume.json: volumes/store.ts)
 */
export class StateStore {
  /** searchGid: the remapped root's group (CONTAINER_SAGA_USERNS_REMAP), which may pass through to the rootfs */
  constructor(
    readonly root: string,
    private readonly searchGid?: number,
  ) {}

  containerDir(id: string): string {
    return path.join(this.root, 'containers', id);
  }

  /** The container's record (replaced by rename on every write): the monitor watches it. */
  recordFile(id: string): string {
    return path.join(this.containerDir(id), 'config.json');
  }

  get eventsPath(): string {
    return path.join(this.root, 'events.jsonl');
  }

  /**
   * Creates the root and its containers directory, 0700 both (also when they exist with looser modes): the
   * records hold each container's environment, and nothing below the root is for other users.
   */
  async init(): Promise<void> {
    const containers = path.join(this.root, 'containers');
    await fs.mkdir(containers, { recursive: true, mode: 0o700 });
    if (this.searchGid === undefined) {
      await Promise.all([fs.chmod(this.root, 0o700), fs.chmod(containers, 0o700)]);
      return;
    }
    // runc's init, already in the user namespace, walks to the rootfs: search (not read) for its group, as Docker
    for (const d of [this.root, containers]) {
      await fs.chown(d, 0, this.searchGid);
      await fs.chmod(d, 0o710);
    }
  }

  async read(id: string): Promise<ContainerRecord | undefined> {
    return readJson<ContainerRecord>(this.recordFile(id));
  }

  async get(id: string): Promise<ContainerRecord> {
    const rec = await this.read(id);
    if (!rec) throw new ContainerError('NoSuchContainer', `No such container: ${id}`);
    return rec;
  }

  async write(rec: ContainerRecord): Promise<void> {
    await writeJsonAtomic(this.recordFile(rec.Id), rec);
  }

  async list(): Promise<ContainerRecord[]> {
    let ids: string[];
    try {
      ids = await fs.readdir(path.join(this.root, 'containers'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const recs = await Promise.all(ids.map((id) => this.read(id)));
    return recs.filter((r): r is ContainerRecord => r !== undefined).sort((a, b) => b.Created.localeCompare(a.Created));
  }

  async lookup(ref: string): Promise<ContainerRecord> {
    // A full ID is a direct read; names and prefixes need the list.
    if (isFullId(ref)) {
      const rec = await this.read(ref);
      if (rec) return rec;
    }
    return findContainer(await this.list(), ref);
  }

  /** Reads, changes and writes a record under its lock. */
  async update(id: string, mutate: (rec: ContainerRecord) => void | Promise<void>): Promise<ContainerRecord> {
    return this.withLock(id, async () => {
      const rec = await this.get(id);
      await mutate(rec);
      await this.write(rec);
      return rec;
    });
  }

  async delete(id: string): Promise<void> {
    // Never a path outside one container's directory, whatever a caller passes.
    if (!isFullId(id))
      throw new ContainerError('Internal', `refusing to delete a container directory for invalid ID "${id}"`);
    await fs.rm(this.containerDir(id), { recursive: true, force: true });
  }

  /**
   * Runs fn holding the container's lock file, so two workers never write one container at once. The lock
   * holds the owner's pid: a lock whose process is gone (a crashed worker) is taken over. Another lockName
   * gives a second, independent lock (the start claim, held across whole releases by gc).
   */
  async withLock<T>(id: string, fn: () => Promise<T>, lockName = '.lock'): Promise<T> {
    return withLockFile(path.join(this.containerDir(id), lockName), `container ${id}`, fn);
  }

  async appendEvent(ev: ContainerEvent): Promise<void> {
    await fs.mkdir(this.root, { recursive: true, mode: 0o700 });
    await fs.appendFile(this.eventsPath, `${JSON.stringify(ev)}\n`, { mode: 0o600 });
  }

  /** Events after byte offset `since`, and the offset to continue from. */
  /**
   * The events recorded after byte offset `since`, whole lines only (a writer may be mid-append), at most
   * about `limit` bytes of them: only that much is read, so a reader far behind (or a replay from 0) pages
   * through a large file instead of loading it. `more` says whether more lines were there.
   */
  async events(
    since: number,
    limit = EVENTS_PAGE_BYTES,
  ): Promise<{ events: ContainerEvent[]; next: number; more: boolean }> {
    let fh: FileHandle;
    try {
      fh = await fs.open(this.eventsPath, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], next: 0, more: false };
      throw err;
    }
    try {
      const size = (await fh.stat()).size;
      const start = Math.min(Math.max(0, since), size);
      // a cursor inside a line (not one this method gave) starts at the next line: the partial one is skipped
      const prev = Buffer.alloc(1);
      const midLine = start > 0 && (await fh.read(prev, 0, 1, start - 1)).bytesRead === 1 && prev[0] !== 0x0a;
      let want = Math.min(size - start, Math.max(1, limit));
      for (;;) {
        const buf = Buffer.alloc(want);
        const { bytesRead } = await fh.read(buf, 0, want, start);
        const end = buf.subarray(0, bytesRead).lastIndexOf(0x0a) + 1;
        // One line longer than the page: read until its end.
        if (end === 0 && start + bytesRead < size) {
          want = Math.min(size - start, want * 2);
          continue;
        }
        if (end === 0) return { events: [], next: start, more: false };
        const text = buf.subarray(midLine ? buf.indexOf(0x0a) + 1 : 0, end).toString('utf8');
        const events = text
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as ContainerEvent);
        const next = start + end;
        return { events, next, more: next < size && (await hasLine(fh, next, size)) };
      }
    } finally {
      await fh.close();
    }
  }
}

/** Events in one page at most (bytes): a few thousand events. */
export const EVENTS_PAGE_BYTES = 256 * 1024;

/** Whether a whole line follows `at` (not only a line still being appended). */
async function hasLine(fh: FileHandle, at: number, size: number): Promise<boolean> {
  const buf = Buffer.alloc(Math.min(size - at, 64 * 1024));
  const { bytesRead } = await fh.read(buf, 0, buf.length, at);
  return buf.subarray(0, bytesRead).includes(0x0a) || bytesRead === 64 * 1024;
}

/**
 * Runs fn holding the lock file `lock` (its owner's pid inside; a lock whose process is gone, a crashed worker,
 * is taken over), so two workers on one state root never do it at once. `what` names it in the timeout error.
 */
export async function withLockFile<T>(lock: string, what: string, fn: () => Promise<T>): Promise<T> {
  await fs.mkdir(path.dirname(lock), { recursive: true, mode: 0o700 });
  const token = `${process.pid} ${randomUUID()}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    // The lock appears with its owner already in it (link of a written temp file): never empty.
    const tmp = `${lock}.${randomUUID()}.tmp`;
    await fs.writeFile(tmp, token);
    try {
      await fs.link(tmp, lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      await fs.rm(tmp, { force: true });
    }
    const seen = await fs.readFile(lock, 'utf8').catch(() => undefined);
    if (seen === undefined) continue; // released meanwhile: try again
    const holder = Number.parseInt(seen, 10);
    if (!isPidAlive(holder)) {
      // Stale: move it aside, and drop it only if it is the lock judged stale (not one taken since).
      const aside = `${lock}.${randomUUID()}.stale`;
      if (
        await fs.rename(lock, aside).then(
          () => true,
          () => false,
        )
      ) {
        if ((await fs.readFile(aside, 'utf8').catch(() => seen)) !== seen) await fs.link(aside, lock).catch(() => {});
        await fs.rm(aside, { force: true });
      }
      continue;
    }
    if (Date.now() > deadline) {
      throw new ContainerError('Internal', `timed out waiting for the lock of ${what} (held by pid ${holder})`);
    }
    await sleep(5);
  }
  try {
    return await fn();
  } finally {
    // Only our own lock.
    if ((await fs.readFile(lock, 'utf8').catch(() => '')) === token) await fs.rm(lock, { force: true });
  }
}
