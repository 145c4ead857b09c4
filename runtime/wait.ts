import { ContainerError } from '../common/errors';
import type { WaitInput, WaitResult } from '../common/ops-api';
import type { ContainerRecord } from '../common/types';
import type { ContainerRuntime, StepContext } from './contract';
import type { HostParts } from './host-parts';
import { FileWaker } from './watch';
import { isFullId } from '../common/names';

/** What a wait works with: the record files and the driver's, the refreshed lookup and the events. */
export type WaitDeps = Pick<HostParts, 'store' | 'driver'> & Pick<ContainerRuntime, 'lookup' | 'events'>;

/** How often a wait looks without a change seen (a lost event), and how often while its watch is not in place. */
const FALLBACK_MS = 2_000;
const POLL_MS = 100;

/**
 * docker wait's conditions on the records (Docker's State.Wait):
 *   not-running  the exit code once the container does not run (at once when it does not);
 *   next-exit    the exit code of the next exit recorded after `afterFinishedAt` (a start that failed
 *                records one too), even when the container has not been started yet;
 *   removed      once the container is gone (rm, or the monitor's AutoRemove): its last exit code, from its
 *                last `die` event when the removal came before this wait saw the exit (NoSuchContainer when
 *                this host has no `die` of that ID either).
 * Looks again whenever the container's record or its process's files change (inotify: runtime/watch.ts), and every
 * FALLBACK_MS anyway (every 100 ms while the watch is not in place), until the condition holds or
 * `ctx.signal` aborts. Every watch is closed however it ends.
 */
export async function waitForCondition(rt: WaitDeps, input: WaitInput, ctx?: StepContext): Promise<WaitResult> {
  const condition = input.condition ?? 'not-running';
  let baseline = input.afterFinishedAt;
  let last: ContainerRecord | undefined;
  let waker: FileWaker<'record'> | undefined;
  try {
    for (;;) {
      waker?.resume(); // before the look: a change from now on wakes the wait
      let rec: ContainerRecord;
      try {
        rec = await rt.lookup(input.container);
      } catch (err) {
        if (
          condition === 'removed' &&
          err instanceof ContainerError &&
          err.type === 'NoSuchContainer' &&
          (last || isFullId(input.container))
        ) {
          const id = last?.Id ?? input.container;
          const code =
            (await lastDieCode(rt, id)) ?? (last && !last.State.Running ? last.State.ExitCode : last ? 0 : undefined);
          // a full ID this host never ran is not its container: another host's may be
          if (code !== undefined) return { containerId: id, StatusCode: code };
        }
        throw err;
      }
      baseline ??= rec.State.FinishedAt;
      last = rec;
      if (condition === 'not-running' && !rec.State.Running)
        return { containerId: rec.Id, StatusCode: rec.State.ExitCode };
      if (condition === 'next-exit' && !rec.State.Running && rec.State.FinishedAt !== baseline)
        return { containerId: rec.Id, StatusCode: rec.State.ExitCode };
      if (ctx?.signal?.aborted) throw new Error('wait cancelled');
      ctx?.progress?.();
      if (!waker) {
        // the ID is known from the first look: watch its record and its process's files (a look refreshes the
        // record from them when no monitor has yet), then look once more (a change before the watch began is
        // seen by that look)
        const files = [rt.store.recordFile(rec.Id), ...rt.driver.processStateFiles(rec.Id)];
        waker = new FileWaker(new Map(files.map((f) => [f, 'record' as const])), { signal: ctx?.signal });
        continue;
      }
      await waker.wait(waker.watching ? FALLBACK_MS : POLL_MS, RECORD);
      waker.take();
    }
  } finally {
    waker?.close();
  }
}

const RECORD: ReadonlySet<'record'> = new Set(['record']);

/** The exit code of the container's last `die` event, if it has one: every page of the events, in order. */
async function lastDieCode(rt: WaitDeps, id: string): Promise<number | undefined> {
  let code: number | undefined;
  for (let cursor = 0, more = true; more; ) {
    const page = await rt.events(cursor);
    for (const e of page.events) {
      if (e.id === id && e.action === 'die' && e.attributes?.exitCode !== undefined)
        code = Number(e.attributes.exitCode);
    }
    cursor = page.next;
    more = page.more;
  }
  return code;
}
