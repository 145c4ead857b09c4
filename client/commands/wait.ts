import type { Command } from 'commander';
import { waitContainer } from '../api';
import type { CliContext } from '../context';
import { CliError, cliError } from '../errors';

/** docker wait: blocks until each container stops, then prints its exit code (one line per container). */
export function registerWait(program: Command, ctx: CliContext): void {
  program
    .command('wait')
    .description('Block until one or more containers stop, then print their exit codes')
    .argument('<containers...>')
    .action(async (refs: string[]) => {
      const session = await ctx.session();
      const failed: string[] = [];
      for (const ref of refs) {
        try {
          process.stdout.write(`${(await waitContainer(session, ref)).StatusCode}\n`);
        } catch (err) {
          if (!(err instanceof CliError) || err.origin !== 'daemon') throw err;
          failed.push(ref);
          ctx.reportError(err);
        }
      }
      if (failed.length > 0) throw cliError(`failed to wait containers: ${failed.join(', ')}`);
    });
}
