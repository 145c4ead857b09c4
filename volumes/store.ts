import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError, Messages } from '../common/errors';
import { isVolumeName, VOLUME_NAME_MAX, volumeNameError } from '../common/settings';
import type { VolumeRecord } from '../common/volumes-api';
import { randomUUID } from 'node:crypto';
import { readJson, writeJsonAtomic } from '../runtime/fsutil';
import { withLockFile } from '../runtime/store';
import { treeSize } from '../images/tree-size';

/** Docker's CreatedAt: RFC 3339 to the second. */
export function volumeTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * One host's named volumes, laid out as Docker's local driver (docs/design.md, "Volumes"):
 *   <root>/volumes/<name>/_data         the data, mounted into containers
 *   <root>/volumes/<name>/volume.json   its record (Docker's Volume: name, labels, created, options)
 * A directory without a record (made before volumes had records) is adopted when read.
 *
 * `locked` serializes what must not interleave on this host: a container create referencing volumes, and a
 * volume's removal after its in-use check. In one process a queue; across the workers of a state root the lock
 * file <root>/volumes/.lock (runtime/store.ts withLockFile). A removal only renames the volume away under it
 * (`.removing-*`, no volume name starts with a dot): the slow delete runs after, holding no lock.
 */
export class VolumeStore {
  private lock: Promise<unknown> = Promise.resolve();

  constructor(readonly root: string) {}

  locked<T>(fn: () => Promise<T>): Promise<T> {
    const held = async () => {
      // 0755: runc (in a user namespace under CONTAINER_SAGA_USERNS_REMAP) walks through it to the data
      await fs.mkdir(this.root, { recursive: true, mode: 0o755 });
      return withLockFile(path.join(this.root, '.lock'), 'the volumes', fn);
    };
    const run = this.lock.then(held, held);
    this.lock = run.catch(() => undefined);
    return run;
  }

  dataDir(name: string): string {
    return path.join(this.root, name, '_data');
  }

  private recordFile(name: string): string {
    return path.join(this.root, name, 'volume.json');
  }

  /** The volume's record; an adopted directory gets one now. Undefined when there is no such volume. */
  async find(name: string): Promise<VolumeRecord | undefined> {
    if (!isVolumeName(name) || name.length > VOLUME_NAME_MAX) return undefined;
    const rec = await readJson<VolumeRecord>(this.recordFile(name));
    if (rec) return rec;
    const st = await fs.stat(path.join(this.root, name)).catch(() => undefined);
    if (!st?.isDirectory()) return undefined;
    return this.write(this.record(name, st.birthtime.getTime() ? st.birthtime : st.mtime, null, null));
  }

  /** The volume's record, or Docker's 404 (`get NAME: no such volume`). */
  async get(name: string): Promise<VolumeRecord> {
    const rec = await this.find(name);
    if (!rec) throw new ContainerError('NoSuchVolume', Messages.noSuchVolume(name));
    return rec;
  }

  /** Every volume of the host, by name. */
  async list(): Promise<VolumeRecord[]> {
    const entries = await fs.readdir(this.root, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    const names = entries.filter((e) => e.isDirectory() && isVolumeName(e.name)).map((e) => e.name);
    const found = await Promise.all(names.sort().map((n) => this.find(n)));
    return found.filter((r): r is VolumeRecord => r !== undefined);
  }

  /**
   * Creates the volume (its data directory, then its record); an existing one is returned as it is (Docker's
   * create of a taken name). `created` says which. A bad name is Docker's 400, with nothing made.
   */
  async ensure(
    name: string,
    labels: Record<string, string> | null = null,
    options: Record<string, string> | null = null,
  ): Promise<{ volume: VolumeRecord; created: boolean }> {
    const bad = volumeNameError(name);
    if (bad) throw new ContainerError('InvalidParameter', bad);
    const existing = await this.find(name);
    if (existing) return { volume: existing, created: false };
    await fs.mkdir(this.dataDir(name), { recursive: true, mode: 0o755 });
    return { volume: await this.write(this.record(name, new Date(), labels, options)), created: true };
  }

  /**
   * Takes the volume away (under the lock, after the caller's in-use check): its directory, data and record,
   * renamed in one step to a name no volume has. Returns that path, for `purge` once the lock is released.
   */
  async detach(name: string): Promise<string | undefined> {
    if (!isVolumeName(name)) return undefined;
    const away = path.join(this.root, `.removing-${randomUUID()}`);
    try {
      await fs.rename(path.join(this.root, name), away);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return away;
  }

  /** Deletes what `detach` took away, and any removal a crash cut short. */
  async purge(away?: string): Promise<void> {
    const entries = await fs.readdir(this.root).catch(() => [] as string[]);
    const left = entries.filter((e) => e.startsWith('.removing-')).map((e) => path.join(this.root, e));
    for (const p of new Set([...(away ? [away] : []), ...left])) await fs.rm(p, { recursive: true, force: true });
  }

  /** Bytes the data under a volume's directory (or one `detach` took away) takes: prune's SpaceReclaimed. */
  size(dir: string): Promise<number> {
    return treeSize(path.join(dir, '_data'));
  }

  private record(
    name: string,
    created: Date,
    labels: Record<string, string> | null,
    options: Record<string, string> | null,
  ): VolumeRecord {
    return {
      CreatedAt: volumeTime(created),
      Driver: 'local',
      Labels: labels,
      Mountpoint: this.dataDir(name),
      Name: name,
      Options: options,
      Scope: 'local',
    };
  }

  private async write(rec: VolumeRecord): Promise<VolumeRecord> {
    await writeJsonAtomic(this.recordFile(rec.Name), rec);
    return rec;
  }
}
