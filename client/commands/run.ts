import type { Command } from 'commander';
import { createContainer, remove, startContainer, waitContainer } from '../api';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { parseCreate, type CreateFlags } from '../parse-create';
import { withCreateOptions } from './create';
import { printLogs } from './logs';

interface RunFlags extends CreateFlags {
  detach?: boolean;
  rm?: boolean;
}

/**
 * docker run: create + start through the saga. With -d it prints the ID and returns (with --rm the monitor
 * removes the container once it exits). Without -d it prints the container's output until it exits and
 * exits with its exit code; --rm then removes it (the CLI does, as Docker's did before AutoRemove). A start
 * that fails exits 125, or 127/126 when the command cannot be found or run, as Docker's `run` does.
 */
export function registerRun(program: Command, ctx: CliContext): void {
  const command = program
    .command('run')
    .description('Create and start a container; without -d, print its output and exit with its exit code')
    .usage('[options] IMAGE [COMMAND] [ARG...]')
    .argument('<image>')
    .argument('[command...]')
    .passThroughOptions();
  withCreateOptions(command)
    .option('-d, --detach', 'run the container in the background and print its ID')
    .option('--rm', 'remove the container when it exits')
    .helpOption('--help', 'display help for command')
    .action(async (image: string, cmd: string[], flags: RunFlags) => {
      const request = parseCreate(flags, image, cmd, process.env);
      if (flags.rm && flags.detach) request.hostConfig = { ...request.hostConfig, AutoRemove: true };
      const session = await ctx.session();
      const { Id } = await createContainer(session, request, flags.host).catch((err: unknown) => {
        throw runExit(err);
      });
      try {
        await startContainer(session, Id);
      } catch (err) {
        if (flags.rm && !flags.detach) await remove(session, Id, true).catch(() => undefined);
        throw runExit(err);
      }
      if (flags.detach) {
        process.stdout.write(`${Id}\n`);
        return;
      }
      await printLogs(session, Id, { follow: true });
      const { StatusCode } = await waitContainer(session, Id);
      if (flags.rm) await remove(session, Id, true);
      process.exitCode = StatusCode;
    });
}

/** Docker's run exit codes for a daemon error: 127 command not found, 126 not invocable, else 125. */
function runExit(err: unknown): unknown {
  if (!(err instanceof CliError) || err.origin !== 'daemon') return err;
  const exitCode = err.type === 'CommandNotFound' ? 127 : err.type === 'CommandNotInvocable' ? 126 : 125;
  return new CliError(err.message, { type: err.type, status: err.status, origin: err.origin, record: err.record, exitCode });
}
