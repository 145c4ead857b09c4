import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isFullId } from '../common/names';

/**
 * The output of a container removed automatically after its exit (Docker's AutoRemove, `docker run --rm`),
 * kept a short while under `<root>/removed-logs/<id>/`: an attached client reads the container's output from
 * its log in pages, and the monitor removes the container (log included) soon after the exit, possibly
 * before the client's last read. Docker's attach streams its pipes and needs no such thing; ours keeps the
 * files, in the same layout (rotated files and index beside the live log), for REMOVED_LOG_KEEP_MS.
 */

export const REMOVED_LOG_KEEP_MS = 60_000;

const dirOf = (root: string, id: string) => path.join(root, 'removed-logs', id);

/** Moves the log files of `liveLog` (the live file, its rotations and its index) aside for readers. */
export async function keepRemovedLog(root: string, id: string, liveLog: string): Promise<void> {
  if (!isFullId(id)) return;
  const base = path.basename(liveLog);
  let names: string[];
  try {
    names = (await fs.readdir(path.dirname(liveLog))).filter((n) => n === base || n.startsWith(`${base}.`));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (names.length === 0) return;
  const dir = dirOf(root, id);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  for (const n of names) await fs.rename(path.join(path.dirname(liveLog), n), path.join(dir, n));
}

/** The kept live log of a removed container, when there is one. */
export async function removedLogFile(root: string, id: string, liveLog: string): Promise<string | undefined> {
  if (!isFullId(id)) return undefined;
  const file = path.join(dirOf(root, id), path.basename(liveLog));
  try {
    await fs.access(file);
    return file;
  } catch {
    return undefined;
  }
}

/** Removes kept logs older than `keepMs`; returns how many went. */
export async function sweepRemovedLogs(root: string, now = Date.now(), keepMs = REMOVED_LOG_KEEP_MS): Promise<number> {
  const base = path.join(root, 'removed-logs');
  let ids: string[];
  try {
    ids = await fs.readdir(base);
  } catch {
    return 0;
  }
  let swept = 0;
  for (const id of ids) {
    const dir = path.join(base, id);
    const st = await fs.stat(dir).catch(() => undefined);
    if (!st || now - st.mtimeMs < keepMs) continue;
    await fs.rm(dir, { recursive: true, force: true });
    swept++;
  }
  return swept;
}
