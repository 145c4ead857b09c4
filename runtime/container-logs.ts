import { ContainerError } from '../common/errors';
import type { HostParts } from './host-parts';
import { LOG_LOCK, sampleLog } from './log-index';
import { pageText, readLogPage, type LogPage, type LogPageOptions } from './logs';
import { keepRemovedLog, removedLogFile, sweepRemovedLogs } from './removed-logs';

/** What reading a container's output works with: its record (does it still exist, its lock) and the driver's layout. */
export type LogDeps = Pick<HostParts, 'store' | 'driver'>;

/**
 * One bounded page of the container's output (logs.ts), across its rotated files. The log is sampled first
 * (log-index.ts), so the page's timestamps cover what the container wrote since the monitor's last poll.
 */
export async function logPage(rt: LogDeps, id: string, opts: LogPageOptions = {}): Promise<LogPage> {
  const { root, layout } = rt.driver;
  const live = layout.log(id);
  try {
    await rt.store.get(id);
  } catch (err) {
    // removed by its monitor after its exit (AutoRemove): its output stays readable a short while
    const kept = await removedLogFile(root, id, live);
    if (kept && err instanceof ContainerError && err.type === 'NoSuchContainer') return readLogPage(kept, opts);
    throw err;
  }
  return rt.store.withLock(
    id,
    async () => {
      // moved aside under this lock by keepLogForReaders, before the container's directory goes
      const file = (await removedLogFile(root, id, live)) ?? live;
      if (file === live) await sampleLog(file);
      return readLogPage(file, opts);
    },
    LOG_LOCK,
  );
}

/**
 * Before an automatic removal (docker run --rm): moves the container's log aside for the clients still
 * reading it (removed-logs.ts), under the log lock so no page is read half before and half after, and
 * sweeps kept logs that are old enough.
 */
export async function keepLogForReaders(rt: LogDeps, id: string): Promise<void> {
  const { root, layout } = rt.driver;
  await rt.store.withLock(id, () => keepRemovedLog(root, id, layout.log(id)), LOG_LOCK);
  await sweepRemovedLogs(root);
}

/** The whole output at once (both streams in order), rotated files included: small logs (tests). */
export async function wholeLog(rt: LogDeps, id: string): Promise<string> {
  let page = await logPage(rt, id);
  let text = pageText(page);
  while (page.more) {
    page = await logPage(rt, id, { cursor: page.next });
    text += pageText(page);
  }
  return text;
}
