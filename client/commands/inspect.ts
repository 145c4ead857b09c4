import type { Command } from 'commander';
import type { ContainerRecord } from '../../common/types';
import { inspect } from '../api';
import type { CliContext } from '../context';
import { CliError, cliError } from '../errors';
import { printJson } from '../output';
import { compileTemplate } from '../template';

/**
 * docker inspect: a JSON array of the records found (Docker's field names), or one line per container with
 * --format. A missing one is reported as Docker's CLI does ("Error: No such object: X") and makes the exit 1.
 */
export function registerInspect(program: Command, ctx: CliContext): void {
  program
    .command('inspect')
    .description("Show containers' low-level information as a JSON array (Docker's field names)")
    .argument('<containers...>')
    .option(
      '-f, --format <template>',
      "format each record with a Go-style template, e.g. '{{.State.Status}}' or '{{json .State}}'",
    )
    .action(async (refs: string[], flags: { format?: string }) => {
      const template = flags.format !== undefined ? compileTemplate(flags.format) : undefined;
      const session = await ctx.session();
      const found: ContainerRecord[] = [];
      const missing: string[] = [];
      for (const ref of refs) {
        try {
          const rec = await inspect(session, ref);
          found.push(rec);
          if (template) process.stdout.write(`${template(rec)}\n`);
        } catch (err) {
          if (!(err instanceof CliError) || err.type !== 'NoSuchContainer') throw err;
          missing.push(ref);
        }
      }
      if (!template) printJson(found);
      // Docker prints what it found, then the missing ones (the last one as the command's error).
      for (const ref of missing.slice(0, -1)) ctx.reportError(cliError(`No such object: ${ref}`));
      if (missing.length > 0) throw cliError(`No such object: ${missing[missing.length - 1]}`);
    });
}
