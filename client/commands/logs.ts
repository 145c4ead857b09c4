import type { Command } from 'commander';
import { logsPage } from '../api';
import type { Session } from '../connection';
import type { CliContext } from '../context';
import { usageError } from '../errors';
import { writeOut } from '../output';

/** How long a follower waits before asking again when it has read everything and the container runs. */
const FOLLOW_POLL_MS = 500;

interface LogsFlags {
  follow?: boolean;
  tail: string;
}

/**
 * docker logs [-f] [--tail N]: the container's output, read in bounded pages (any size of log; no payload
 * grows with it). The first page names the container by its full ID, so a name reused meanwhile cannot
 * switch the output to another container. -f goes on until the container has stopped and all is printed.
 */
export function registerLogs(program: Command, ctx: CliContext): void {
  program
    .command('logs')
    .description("Print a container's output")
    .argument('<container>')
    .option('-f, --follow', 'follow log output until the container stops')
    .option('-n, --tail <lines>', 'number of lines to show from the end of the logs ("all" for all)', 'all')
    .action(async (ref: string, flags: LogsFlags) => {
      await printLogs(await ctx.session(), ref, { follow: flags.follow, tail: parseTail(flags.tail) });
    });
}

/** Prints a container's output page by page; with `follow`, until it has stopped and all is printed. */
export async function printLogs(session: Session, ref: string, opts: { follow?: boolean; tail?: number } = {}): Promise<void> {
  let page = await logsPage(session, ref, opts.tail === undefined ? {} : { tail: opts.tail });
  for (;;) {
    await writeOut(page.text);
    if (!page.more && !(opts.follow && page.running)) return;
    if (!page.more) await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
    page = await logsPage(session, page.containerId, { cursor: page.next });
  }
}

function parseTail(text: string): number | undefined {
  if (text === 'all') return undefined;
  if (!/^\d+$/.test(text)) throw usageError(`invalid argument "${text}" for "-n, --tail" flag: must be a number of lines or "all"`, 'logs');
  return Number(text);
}
