import type { Command } from 'commander';
import type { CliContext } from '../context';
import { kill } from '../verbs-api';
import { forEachRef } from './each';

/** docker kill [-s SIGNAL] CONTAINER...: prints each container as given once signalled. */
export function registerKill(program: Command, ctx: CliContext): void {
  program
    .command('kill')
    .description('Kill one or more running containers (SIGKILL unless -s says otherwise)')
    .argument('<containers...>')
    .option('-s, --signal <signal>', 'signal to send: a name (KILL, SIGTERM, HUP…) or a number', 'KILL')
    .action(async (refs: string[], flags: { signal: string }) => {
      const session = await ctx.session();
      await forEachRef(ctx, refs, 'kill', async (ref) => void (await kill(session, ref, flags.signal)));
    });
}
