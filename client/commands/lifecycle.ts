import type { Command } from 'commander';
import { gc, remove, startContainer, stop } from '../api';
import type { CliContext } from '../context';
import { usageError } from '../errors';
import { printJson } from '../output';
import { forEachRef } from './each';

/** docker stop, restart and rm (stop and rm cancel a start in flight first: it compensates), and gc. */
export function registerLifecycle(program: Command, ctx: CliContext): void {
  program
    .command('stop')
    .description(
      'Stop running containers (SIGTERM, then SIGKILL after the timeout); a start in flight is cancelled first',
    )
    .argument('<containers...>')
    .option(
      '-t, --time <seconds>',
      'seconds to wait before killing the container (default: its --stop-timeout, else 10)',
    )
    .action(async (refs: string[], flags: { time?: string }) => {
      if (flags.time !== undefined && !/^\d+$/.test(flags.time))
        throw usageError(
          `invalid argument "${flags.time}" for "-t, --time" flag: must be a whole number of seconds`,
          'stop',
        );
      const session = await ctx.session();
      await forEachRef(ctx, refs, 'stop', async (ref) => void (await stop(session, ref, timeOf(flags.time))));
    });
  program
    .command('restart')
    .description('Restart containers: stop (SIGTERM, then SIGKILL after the timeout), then start through the saga')
    .argument('<containers...>')
    .option(
      '-t, --time <seconds>',
      'seconds to wait before killing the container (default: its --stop-timeout, else 10)',
    )
    .action(async (refs: string[], flags: { time?: string }) => {
      if (flags.time !== undefined && !/^\d+$/.test(flags.time))
        throw usageError(
          `invalid argument "${flags.time}" for "-t, --time" flag: must be a whole number of seconds`,
          'restart',
        );
      const session = await ctx.session();
      await forEachRef(ctx, refs, 'restart', async (ref) => {
        await stop(session, ref, timeOf(flags.time));
        await startContainer(session, ref);
      });
    });
  program
    .command('rm')
    .description('Remove containers and release everything they hold; a start in flight is cancelled first')
    .argument('<containers...>')
    .option('-f, --force', 'force the removal of a running container')
    .option('-v, --volumes', 'remove the anonymous volumes associated with the container')
    .action(async (refs: string[], flags: { force?: boolean; volumes?: boolean }) => {
      const session = await ctx.session();
      const rm = (ref: string) => remove(session, ref, Boolean(flags.force), Boolean(flags.volumes));
      await forEachRef(ctx, refs, 'remove', async (ref) => void (await rm(ref)));
    });
  program
    .command('gc')
    .description(
      'Release leftovers recorded on containers and resources no container owns (a worker also does it at start-up)',
    )
    .option('--json', 'print the report as JSON')
    .action(async (flags: { json?: boolean }) => {
      const report = await gc(await ctx.session());
      if (flags.json) printJson(report);
      else {
        for (const r of report.released)
          process.stdout.write(`released ${r.containerId.slice(0, 12)}: ${r.resources.join(', ') || 'leftovers'}\n`);
        for (const f of report.failed)
          process.stdout.write(`could not release ${f.containerId.slice(0, 12)}: ${f.leftovers.join('; ')}\n`);
        if (report.released.length === 0 && report.failed.length === 0) process.stdout.write('nothing to release\n');
      }
      if (report.failed.length > 0) process.exitCode = 1;
    });
}

/** -t as given, or undefined: the container's own --stop-timeout (else 10 s) applies. */
const timeOf = (t: string | undefined) => (t === undefined ? undefined : Number(t));
