import type { Command } from 'commander';
import type { CliContext } from '../context';
import { usageError } from '../errors';
import { parseUpdate, type UpdateFlags } from '../parse-update';
import { update } from '../resource-api';
import { forEachRef } from './each';

/**
 * docker update [OPTIONS] CONTAINER...: new limits and restart policy for each container (a running one gets
 * them at once); each name on stdout as it is updated, Docker's warnings on stderr.
 */
export function registerUpdate(program: Command, ctx: CliContext): void {
  program
    .command('update')
    .description('Update configuration of one or more containers')
    .argument('<containers...>')
    .option('-m, --memory <bytes>', 'memory limit')
    .option('--memory-swap <bytes>', "swap limit equal to memory plus swap: '-1' to enable unlimited swap")
    .option('--cpus <number>', 'number of CPUs')
    .option('-c, --cpu-shares <weight>', 'CPU shares (relative weight)')
    .option('--pids-limit <number>', 'tune container pids limit (set -1 for unlimited)')
    .option('--restart <policy>', 'restart policy to apply when a container exits')
    .action(async (refs: string[], flags: UpdateFlags) => {
      const resources = parseUpdate(flags);
      // as the docker CLI: an update with nothing to change is refused before anything is sent
      if (Object.keys(resources).length === 0)
        throw usageError('you must provide one or more flags when using this command', 'update');
      const s = await ctx.session();
      await forEachRef(ctx, refs, 'update', async (ref) => {
        const { Warnings } = await update(s, ref, resources);
        for (const w of Warnings) process.stderr.write(`WARNING: ${w}\n`);
      });
    });
}
