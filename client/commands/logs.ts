import type { Command } from 'commander';
import { logsPage } from '../api';
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
      const tail = parseTail(flags.tail);
      const session = await ctx.session();
      let page = await logsPage(session, ref, tail === undefined ? {} : { tail });
      for (;;) {
        await writeOut(page.text);
        if (!page.more && !(flags.follow && page.running)) return;
        if (!page.more) await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
        page = await logsPage(session, page.containerId, { cursor: page.next });
      }
    });
}

function parseTail(text: string): number | undefined {
  if (text === 'all') return undefined;
  if (!/^\d+$/.test(text)) throw usageError(`invalid argument "${text}" for "-n, --tail" flag: must be a number of lines or "all"`, 'logs');
  return Number(text);
}
