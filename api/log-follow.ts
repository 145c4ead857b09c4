import { setTimeout as sleep } from 'node:timers/promises';
import { inspect, logsPage } from '../client/api';
import type { Session } from '../client/connection';
import { CliError } from '../client/errors';
import type { LogsResult } from '../common/ops-api';
import type { OutputStream } from './stream';

/**
 * A container's log as a stream (GET /containers/{id}/logs, POST /containers/{id}/attach): bounded pages
 * read through the reads workflow's logs Update from cursors, each written before the next is read (the client's
 * pace sets ours: a slow reader never makes the server hold more than a page), until the end asked for or
 * until the client goes away, after which no page is read. Pages carry stdout and stderr apart (chunks): each
 * goes out as a frame of its stream (1, 2), or raw, unframed, for a TTY container (all its output is stdout,
 * as Docker's). `until` is cut by the worker, by each line's own time.
 */

/** How the stream goes on once everything there was has been sent. */
export type Follow =
  /** stop: the log as it is now (logs without follow, attach with stream=0) */
  | { kind: 'none' }
  /** while the container runs (docker logs -f): stop once it does not and all is sent */
  | { kind: 'running' }
  /**
   * through the container's next run (attach): wait for it to start unless it runs, then stop once it has
   * stopped and all is sent. `startedAt` is its State.StartedAt when the attach began, which tells a run
   * that began and ended between two reads from no run at all.
   */
  | { kind: 'run'; startedAt: string };

export interface LogStreamOptions {
  /** the first page: as logsPage takes it (tail, since or a cursor) */
  first: { tail?: number; since?: number; cursor?: number };
  follow: Follow;
  /** prefix each line with its time (Docker's timestamps=1) */
  timestamps: boolean;
  /** only lines written at or before this time (ms since the epoch): the stream ends at the first later one */
  until?: number;
  /** the streams asked for, framed (1 stdout, 2 stderr), or raw bytes for a TTY container */
  output: { stdout: boolean; stderr: boolean; raw: boolean };
  /**
   * how long to wait between reads that found nothing new (default 250 ms; attach: 50 ms in the first seconds of a run)
   */
  pollMs?: number;
}

const FOLLOW_POLL_MS = 250;
/**
 * attach reads faster while a run begins: a short-lived container (docker run --rm busybox echo hi) is
 * removed by its monitor soon after its exit, and its output with it
 */
const ATTACH_POLL_MS = 50;
const ATTACH_FAST_FOR_MS = 5_000;
/** attach, waiting for the run: every this many reads, whether it has begun and ended between two (its StartedAt) */
const ATTACH_CHECK_EVERY = 4;

/**
 * Writes the log as `opts` says to the stream `open` gives, which it opens once the first page is read (an
 * error before is still the caller's to answer: 404 for no such container) and ends when done. Pages after
 * the first are read by the container's full ID. Resolves `gone` when the client went away, `removed` when
 * the container vanished while followed, else `done`.
 */
export async function streamLog(
  s: Session,
  ref: string,
  open: () => OutputStream,
  opts: LogStreamOptions,
): Promise<'done' | 'gone' | 'removed'> {
  const first = await logsPage(s, ref, { ...opts.first, ...readOpts(opts) });
  const out = open();
  try {
    return await pump(s, first, out, opts);
  } finally {
    out.end();
  }
}

async function pump(
  s: Session,
  first: LogsResult,
  out: OutputStream,
  opts: LogStreamOptions,
): Promise<'done' | 'gone' | 'removed'> {
  const until = opts.until;
  const write = (page: LogsResult) => writeChunks(out, page, opts.output);
  const follow = opts.follow;
  // attach: whether the run it waits for has begun (a read found it running, or its StartedAt changed;
  // not output alone, which the process writes before the start saga marks it running)
  let ran = follow.kind !== 'run';
  let lively = Date.now(); // when the run began or was last waited for: attach reads often then
  const pollMs = () =>
    follow.kind === 'run' && Date.now() - lively < ATTACH_FAST_FOR_MS
      ? ATTACH_POLL_MS
      : (opts.pollMs ?? FOLLOW_POLL_MS);
  let idle = 0;
  let page = first;
  const id = first.containerId;
  for (;;) {
    if (page.chunks.length > 0) {
      if (!(await write(page))) return 'gone';
      // attach starts at the end of the log: output means its run has begun (read often while it does)
      if (!ran) lively = Date.now();
    }
    if (page.untilReached) return 'done';
    if (out.closed) return 'gone';
    if (page.running && !ran) {
      ran = true;
      lively = Date.now();
    }
    if (!page.more) {
      if (follow.kind === 'none') return 'done';
      if (!page.running && ran) return 'done';
      if (until !== undefined && Date.now() > until) return 'done';
      let now = false;
      if (!page.running && follow.kind === 'run' && ++idle % ATTACH_CHECK_EVERY === 0) {
        // Not started yet, or started and ended between two reads without a word: its StartedAt tells. Not
        // at every read: reading is what must keep up (an AutoRemove container's log goes soon after its exit).
        const rec = await unlessRemoved(inspect(s, id));
        if (!rec) return (await sendRest(s, id, page.next, write, opts)) ? 'removed' : 'gone';
        if (rec.State.StartedAt !== follow.startedAt) now = ran = true; // the next read holds all its output
      }
      if (!now) await Promise.race([sleep(pollMs()), out.gone]);
      if (out.closed) return 'gone';
    }
    const next: LogsResult | undefined = await unlessRemoved(logsPage(s, id, { cursor: page.next, ...readOpts(opts) }));
    if (!next) return 'removed';
    page = next;
  }
}

/**
 * A container removed by its monitor after its exit (AutoRemove) keeps its output a while, readable by its
 * full ID: what it wrote after `cursor`, to the end. False when the client went away meanwhile.
 */
async function sendRest(
  s: Session,
  id: string,
  cursor: number,
  write: (page: LogsResult) => Promise<boolean>,
  opts: LogStreamOptions,
): Promise<boolean> {
  for (let next = cursor; ; ) {
    const page = await unlessRemoved(logsPage(s, id, { cursor: next, ...readOpts(opts) }));
    if (!page) return true;
    if (page.chunks.length > 0 && !(await write(page))) return false;
    if (!page.more) return true;
    next = page.next;
  }
}

/** undefined when the container went away while it was followed (removed: `rm -f`, AutoRemove) */
async function unlessRemoved<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof CliError && err.type === 'NoSuchContainer') return undefined;
    throw err;
  }
}

/** What every page asks the worker for besides its cursor. */
function readOpts(opts: LogStreamOptions): { timestamps: boolean; until?: number } {
  return { timestamps: opts.timestamps, ...(opts.until === undefined ? {} : { until: opts.until }) };
}

/** The chunks of the streams asked for, each in a frame of its stream (or raw); false once the client went away. */
async function writeChunks(out: OutputStream, page: LogsResult, o: LogStreamOptions['output']): Promise<boolean> {
  for (const c of page.chunks) {
    if (!o[c.stream] || !c.text) continue;
    if (!(await (o.raw ? out.writeRaw(c.text) : out.write(c.stream === 'stdout' ? 1 : 2, c.text)))) return false;
  }
  return true;
}
