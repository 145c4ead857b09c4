import type { Command } from 'commander';
import { readEvents } from '../api';
import type { CliContext } from '../context';
import { usageError } from '../errors';
import { eventLine } from '../output';

const FOLLOW_MS = 500;

/**
 * docker events: the recorded events, then (unless --no-follow) new ones as they happen, polling the
 * reads workflow's events Update, until Ctrl-C. --json prints one event per line with the cursor after it, for
 * `--since` in a later call.
 */
export function registerEvents(program: Command, ctx: CliContext): void {
  program
    .command('events')
    .description('Show container events; follows new ones until Ctrl-C unless --no-follow')
    .option('--since <cursor>', 'only events after this cursor (printed by --json); default: all', '0')
    .option('--no-follow', 'print the recorded events and exit')
    .option('--json', 'one JSON event per line, each with the cursor that follows it')
    .option(
      '--host <name>',
      "this host's events (each host keeps its own, with its own cursors); default: the first live host by name",
    )
    .action(async (flags: { since: string; follow: boolean; json?: boolean; host?: string }) => {
      if (!/^\d+$/.test(flags.since))
        throw usageError(
          `invalid argument "${flags.since}" for "--since" flag: must be a cursor (a whole number)`,
          'events',
        );
      let cursor = Number(flags.since);
      const session = await ctx.session();
      for (;;) {
        const { events, next, more } = await readEvents(session, cursor, flags.host);
        const out = events.map((e) => (flags.json ? JSON.stringify({ ...e, cursor: next }) : eventLine(e)));
        if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
        cursor = next;
        if (more) continue; // a page of many: the next one at once
        if (!flags.follow) return;
        await new Promise((r) => setTimeout(r, FOLLOW_MS));
      }
    });
}
