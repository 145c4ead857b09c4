import type { Command } from 'commander';
import { logsPage } from '../api';
import type { Session } from '../connection';
import type { CliContext } from '../context';
import { usageError } from '../errors';
import { parseSince } from '../log-since';
import { writeTo } from '../output';

/** How long a follower waits before asking again when it has read everything and the container runs. */
const FOLLOW_POLL_MS = 500;

interface LogsFlags {
  follow?: boolean;
  tail: string;
  since?: string;
  timestamps?: boolean;
}

/**
 * docker logs [-f] [--tail N] [--since T] [-t]: the container's output, read in bounded pages (any size of
 * log; no payload grows with it), across its rotated files. The first page names the container by its full
 * ID, so a name reused meanwhile cannot switch the output to another container; later pages go on from a
 * cursor. -f goes on until the container has stopped and all is printed. The container's stdout goes to
 * ours and its stderr to ours; -t's times are each line's own (conmon's, in the log).
 */
export function registerLogs(program: Command, ctx: CliContext): void {
  program
    .command('logs')
    .description("Print a container's output")
    .argument('<container>')
    .option('-f, --follow', 'follow log output until the container stops')
    .option('-n, --tail <lines>', 'number of lines to show from the end of the logs ("all" for all)', 'all')
    .option(
      '--since <time>',
      'show logs since a timestamp (e.g. 2026-11-30T23:30:00Z, 1700000000) or relative (e.g. 42m)',
    )
    .option('-t, --timestamps', 'show timestamps')
    .action(async (ref: string, flags: LogsFlags) => {
      const since = flags.since === undefined ? undefined : sinceOf(flags.since);
      await printLogs(await ctx.session(), ref, {
        follow: flags.follow,
        tail: parseTail(flags.tail),
        since,
        timestamps: flags.timestamps === true,
      });
    });
}

/** Prints a container's output page by page; with `follow`, until it has stopped and all is printed. */
export async function printLogs(
  session: Session,
  ref: string,
  opts: { follow?: boolean; tail?: number; since?: number; timestamps?: boolean } = {},
): Promise<void> {
  const timestamps = opts.timestamps === true;
  const first = {
    ...(opts.tail === undefined ? {} : { tail: opts.tail }),
    ...(opts.since === undefined ? {} : { since: opts.since }),
    timestamps,
  };
  let page = await logsPage(session, ref, first);
  for (;;) {
    // each stream on its own: the container's stderr on ours
    for (const c of page.chunks) await writeTo(c.stream === 'stderr' ? process.stderr : process.stdout, c.text);
    if (!page.more && !(opts.follow && page.running)) return;
    if (!page.more) await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
    page = await logsPage(session, page.containerId, { cursor: page.next, timestamps });
  }
}

function sinceOf(text: string): number {
  try {
    return parseSince(text);
  } catch (err) {
    throw usageError(`invalid value for "since": ${(err as Error).message}`, 'logs');
  }
}

function parseTail(text: string): number | undefined {
  if (text === 'all') return undefined;
  if (!/^\d+$/.test(text))
    throw usageError(`invalid argument "${text}" for "-n, --tail" flag: must be a number of lines or "all"`, 'logs');
  return Number(text);
}
