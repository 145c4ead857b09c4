import type { Command } from 'commander';
import type { CliContext } from '../context';
import { pause, unpause } from '../verbs-api';
import { forEachRef } from './each';

/** docker pause / unpause CONTAINER...: freeze and thaw every process of each container. */
export function registerPause(program: Command, ctx: CliContext): void {
  program
    .command('pause')
    .description('Pause all processes within one or more containers')
    .argument('<containers...>')
    .action(async (refs: string[]) => {
      const session = await ctx.session();
      await forEachRef(ctx, refs, 'pause', async (ref) => void (await pause(session, ref)));
    });
  program
    .command('unpause')
    .description('Unpause all processes within one or more containers')
    .argument('<containers...>')
    .action(async (refs: string[]) => {
      const session = await ctx.session();
      await forEachRef(ctx, refs, 'unpause', async (ref) => void (await unpause(session, ref)));
    });
}
