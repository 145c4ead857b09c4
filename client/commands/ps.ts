import type { Command } from 'commander';
import { list } from '../api';
import type { CliContext } from '../context';
import { ago, printJson, printTable, statusText } from '../output';

export function registerPs(program: Command, ctx: CliContext): void {
  program
    .command('ps')
    .description('List containers (running ones unless -a)')
    .option('-a, --all', 'show all containers')
    .option('-q, --quiet', 'only display container IDs')
    .option('--json', 'print the container records as JSON')
    .action(async (flags: { all?: boolean; quiet?: boolean; json?: boolean }) => {
      const containers = await list(await ctx.session(), Boolean(flags.all));
      if (flags.json) return printJson(containers);
      if (flags.quiet) return void process.stdout.write(containers.map((c) => `${c.Id.slice(0, 12)}\n`).join(''));
      const now = Date.now();
      printTable(
        ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'],
        containers.map((c) => {
          const cmd = c.Config.Cmd.join(' ');
          return [
            c.Id.slice(0, 12),
            c.Config.Image,
            JSON.stringify(cmd.length > 20 ? `${cmd.slice(0, 19)}…` : cmd),
            ago(c.Created, now),
            statusText(c, now),
            Object.keys(c.Config.ExposedPorts).join(', '),
            c.Name.replace(/^\//, ''),
          ];
        }),
      );
    });
}
