import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError, Messages } from '../common/errors';
import { invalidVolumeName, isVolumeName } from '../common/settings';
import type { VolumeRecord } from '../common/volumes-api';
import { readJson, writeJsonAtomic } from '../runtime/fsutil';
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
 * `locked` serializes what must not interleave on this host (one worker per state root, as images/store.ts):
 * a container create referencing volumes, and a volume's removal after its in-use check.
 */
export class VolumeStore {
  private lock: Promise<unknown> = Promise.resolve();

  constructor(readonly root: string) {}

  locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
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
    if (!isVolumeName(name)) return undefined;
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
    if (!isVolumeName(name)) throw new ContainerError('InvalidParameter', invalidVolumeName(name));
    const existing = await this.find(name);
    if (existing) return { volume: existing, created: false };
    await fs.mkdir(this.dataDir(name), { recursive: true, mode: 0o755 });
    return { volume: await this.write(this.record(name, new Date(), labels, options)), created: true };
  }

  /** Removes the volume's directory, data and record (the caller checked it is unused). */
  async delete(name: string): Promise<void> {
    if (!isVolumeName(name)) return;
    // the record first: a removal cut short leaves a directory that is adopted again, never a record without data
    await fs.rm(this.recordFile(name), { force: true });
    await fs.rm(path.join(this.root, name), { recursive: true, force: true });
  }

  /** Bytes the volume's data takes (prune's SpaceReclaimed, system df). */
  size(name: string): Promise<number> {
    return treeSize(this.dataDir(name));
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
