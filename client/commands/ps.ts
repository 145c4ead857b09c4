import type { Command } from 'commander';
import { list } from '../api';
import type { CliContext } from '../context';
import { printJson, printTable, PS_HEAD, psRows } from '../output';

/** docker ps: Docker's table (newest first), -q for IDs only, --json for the records. */
export function registerPs(program: Command, ctx: CliContext): void {
  program
    .command('ps')
    .description('List containers (running ones unless -a)')
    .option('-a, --all', 'show all containers (default shows just running)')
    .option('-q, --quiet', 'only display container IDs')
    .option('--json', 'print the container records (Docker field names) as a JSON array')
    .action(async (flags: { all?: boolean; quiet?: boolean; json?: boolean }) => {
      const containers = await list(await ctx.session(), Boolean(flags.all));
      const rows = psRows(containers);
      if (flags.json) printJson(containers);
      else if (flags.quiet) process.stdout.write(rows.map((r) => `${r[0]}\n`).join(''));
      else printTable(PS_HEAD, rows);
    });
}
