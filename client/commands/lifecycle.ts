import type { Command } from 'commander';
import { gc, logs, remove, stop } from '../api';
import type { CliContext } from '../context';
import { CliError, usageError } from '../errors';
import { printJson } from '../output';

/** Runs a verb on each container, Docker-style: print the ref on success, collect failures, one closing line. */
async function each(refs: string[], verb: string, fn: (ref: string) => Promise<void>): Promise<void> {
  const failed: string[] = [];
  for (const ref of refs) {
    try {
      await fn(ref);
      process.stdout.write(`${ref}\n`);
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
      failed.push(ref);
      process.stderr.write(`Error response from daemon: ${err.message}\n`);
    }
  }
  if (failed.length > 0) {
    process.stderr.write(`Error: failed to ${verb} containers: ${failed.join(', ')}\n`);
    process.exitCode = 1;
  }
}

export function registerLifecycle(program: Command, ctx: CliContext): void {
  program
    .command('stop')
    .description('Stop running containers (SIGTERM, then SIGKILL after the timeout); a start in flight is cancelled first')
    .argument('<containers...>')
    .option('-t, --time <seconds>', 'seconds to wait before killing', '10')
    .action(async (refs: string[], flags: { time: string }) => {
      const t = Number(flags.time);
      if (!Number.isInteger(t) || t < 0) throw usageError(`invalid argument "${flags.time}" for "-t, --time" flag: must be a whole number of seconds`);
      const session = await ctx.session();
      await each(refs, 'stop', async (ref) => void (await stop(session, ref, t)));
    });
  program
    .command('rm')
    .description('Remove containers and release everything they hold')
    .argument('<containers...>')
    .option('-f, --force', 'force the removal of a running container')
    .action(async (refs: string[], flags: { force?: boolean }) => {
      const session = await ctx.session();
      await each(refs, 'remove', async (ref) => void (await remove(session, ref, Boolean(flags.force))));
    });
  program
    .command('logs')
    .description("Print a container's output")
    .argument('<container>')
    .action(async (ref: string) => {
      process.stdout.write((await logs(await ctx.session(), ref)).text);
    });
  program
    .command('gc')
    .description('Release leftovers recorded on containers and resources no container owns')
    .option('--json', 'print the report as JSON')
    .action(async (flags: { json?: boolean }) => {
      const report = await gc(await ctx.session());
      if (flags.json) return printJson(report);
      for (const r of report.released) process.stdout.write(`released ${r.containerId.slice(0, 12)}: ${r.resources.join(', ') || 'leftovers'}\n`);
      for (const f of report.failed) process.stderr.write(`could not release ${f.containerId.slice(0, 12)}: ${f.leftovers.join('; ')}\n`);
      if (report.released.length === 0 && report.failed.length === 0) process.stdout.write('nothing to release\n');
      if (report.failed.length > 0) process.exitCode = 1;
    });
}
