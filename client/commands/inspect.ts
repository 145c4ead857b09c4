import type { Command } from 'commander';
import type { ContainerRecord } from '../../common/types';
import { inspect } from '../api';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { printJson } from '../output';

export function registerInspect(program: Command, ctx: CliContext): void {
  program
    .command('inspect')
    .description("Show containers' low-level information as a JSON array (Docker's field names)")
    .argument('<containers...>')
    .action(async (refs: string[]) => {
      const session = await ctx.session();
      const found: ContainerRecord[] = [];
      let missing = false;
      for (const ref of refs) {
        try {
          found.push(await inspect(session, ref));
        } catch (err) {
          if (!(err instanceof CliError) || err.type !== 'NoSuchContainer') throw err;
          missing = true;
          process.stderr.write(`Error: No such object: ${ref}\n`);
        }
      }
      printJson(found);
      if (missing) process.exitCode = 1;
    });
}
