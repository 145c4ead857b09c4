import type { Command } from 'commander';
import { waitContainer } from '../api';
import type { CliContext } from '../context';
import { forEachRef } from './each';

/** docker wait: blocks until each container stops, then prints its exit code (one line per container). */
export function registerWait(program: Command, ctx: CliContext): void {
  program
    .command('wait')
    .description('Block until one or more containers stop, then print their exit codes')
    .argument('<containers...>')
    .action(async (refs: string[]) => {
      const session = await ctx.session();
      await forEachRef(ctx, refs, 'wait', async (ref) => String((await waitContainer(session, ref)).StatusCode));
    });
}
