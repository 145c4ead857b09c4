import type { Command } from 'commander';
import { readEvents } from '../api';
import type { CliContext } from '../context';

export function registerEvents(program: Command, ctx: CliContext): void {
  program
    .command('events')
    .description('Show container events; follows new ones until Ctrl-C unless --no-follow')
    .option('--since <cursor>', 'cursor printed by a previous --json run (default: all)', '0')
    .option('--no-follow', 'print the recorded events and exit')
    .option('--json', 'one JSON event per line')
    .action(async (flags: { since: string; follow: boolean; json?: boolean }) => {
      const session = await ctx.session();
      let cursor = Number(flags.since);
      if (!Number.isInteger(cursor) || cursor < 0) throw new Error(`invalid --since cursor "${flags.since}"`);
      for (;;) {
        const { events, next } = await readEvents(session, cursor);
        for (const e of events) {
          const attrs = Object.entries({ name: e.name, ...e.attributes }).map(([k, v]) => `${k}=${v}`).join(', ');
          process.stdout.write(flags.json ? `${JSON.stringify({ ...e, cursor: next })}\n` : `${e.time} ${e.type} ${e.action} ${e.id} (${attrs})\n`);
        }
        cursor = next;
        if (!flags.follow) return;
        await new Promise((r) => setTimeout(r, 500));
      }
    });
}
