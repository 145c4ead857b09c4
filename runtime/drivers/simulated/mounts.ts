import path from 'node:path';
import { exists, readJson, removeFile, writeJsonAtomic } from '../../fsutil';
import type { StateStore } from '../../store';
import type { Layout } from '../layout';

/** A mount the simulated driver records instead of making it. */
export interface SimMount {
  kind: 'rootfs' | 'ipc' | 'volume';
  target: string;
  source: string;
  options: string;
}

/** The simulated driver's mount records: one file per container under <root>/sim/mounts. */
export class SimMounts {
  readonly dir: string;

  constructor(
    sim: string,
    private readonly layout: Layout,
    private readonly locks: StateStore,
  ) {
    this.dir = path.join(sim, 'mounts');
  }

  private file(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  async of(id: string): Promise<SimMount[]> {
    return (await readJson<SimMount[]>(this.file(id))) ?? [];
  }

  /**
   * Read-modify-write of one container's mount records, under a lock of its own: the saga may run its steps
   * at once. A container already gone (gc releasing an orphan) has no steps running and no directory to lock in.
   */
  private async edit(id: string, edit: (list: SimMount[]) => SimMount[]): Promise<void> {
    const apply = async () => {
      const list = edit(await this.of(id));
      if (list.length === 0) await removeFile(this.file(id));
      else await writeJsonAtomic(this.file(id), list);
    };
    if (!(await exists(this.layout.container(id)))) return apply();
    return this.locks.withLock(id, apply, '.mounts-lock');
  }

  /** Adds mount records unless a mount of that target is already recorded (idempotent). */
  async add(id: string, add: SimMount[]): Promise<void> {
    await this.edit(id, (list) => [...list, ...add.filter((m) => !list.some((x) => x.target === m.target))]);
  }

  async drop(id: string, kind: SimMount['kind']): Promise<void> {
    await this.edit(id, (list) => list.filter((m) => m.kind !== kind));
  }
}
