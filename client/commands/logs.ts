import type { Command } from 'commander';
import { logs } from '../api';
import type { CliContext } from '../context';

/** docker logs: the container's output as the worker's driver recorded it. */
export function registerLogs(program: Command, ctx: CliContext): void {
  program
    .command('logs')
    .description("Print a container's output")
    .argument('<container>')
    .action(async (ref: string) => {
      process.stdout.write((await logs(await ctx.session(), ref)).text);
    });
}
