import type { Command } from 'commander';
import { inspect, startContainer, waitContainer, waitRemoved } from '../api';
import { containerSession } from '../container-session';
import { detachKeysFlag } from '../interactive';
import { createWithPull, PULL_POLICY_HELP, pullPolicy } from '../implicit-pull';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { parseCreate, type CreateFlags } from '../parse-create';
import { printWarnings, withCreateOptions } from './create';
import { printLogs } from './logs';

interface RunFlags extends CreateFlags {
  pull?: string;
  detach?: boolean;
  rm?: boolean;
  interactive?: boolean;
  detachKeys?: string;
  sigProxy: boolean;
}

/**
 * docker run: create + start through the saga. With -d it prints the ID and returns. Without -d it prints the
 * container's output until it exits and exits with its exit code. --rm is the container's AutoRemove, as
 * Docker's: its monitor removes it once it exits, the saga when its start fails, whether or not this client
 * is still there. A start that fails exits 125, or 127/126 when the command cannot be found or run, as
 * Docker's `run` does.
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
    .option('--pull <policy>', PULL_POLICY_HELP)
    .option('--detach-keys <keys>', 'the key sequence that detaches from a TTY (default ctrl-p,ctrl-q)')
    .option('--no-sig-proxy', 'do not forward SIGINT and SIGTERM to the process (never with a TTY)')
    .helpOption('--help', 'display help for command')
    .action(async (image: string, cmd: string[], flags: RunFlags) => {
      const policy = pullPolicy(flags.pull, 'run');
      const request = parseCreate(flags, image, cmd, process.env);
      // docker run -i: stdin closes when this client's does (StdinOnce), as the docker CLI asks
      if (flags.interactive) Object.assign(request, { openStdin: true, ...(flags.detach ? {} : { stdinOnce: true }) });
      const keys = flags.detach ? undefined : detachKeysFlag(flags.detachKeys, 'run');
      if (flags.tty && flags.interactive && !flags.detach && !process.stdin.isTTY)
        throw new CliError('the input device is not a TTY', { origin: 'cli' });
      if (flags.rm) request.hostConfig = { ...request.hostConfig, AutoRemove: true };
      const session = await ctx.session();
      const { Id, Warnings } = await createWithPull(session, request, flags.host, policy).catch((err: unknown) => {
        throw runExit(err);
      });
      printWarnings(Warnings);
      const start = () =>
        startContainer(session, Id).then(
          () => undefined,
          (err: unknown) => {
            throw runExit(err);
          },
        );
      if (keys && (flags.interactive || flags.tty)) {
        // attached before the start: the run's first byte is shown
        const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
        const rec = await inspect(session, Id);
        const opts = { stdin: flags.interactive ?? false, detachKeys: keys, sigProxy: flags.sigProxy, start };
        if ((await containerSession(session, rec, io, opts)) === 'detached') return;
        const { StatusCode } = await (flags.rm ? waitRemoved(session, Id) : waitContainer(session, Id));
        process.exitCode = StatusCode;
        return;
      }
      await start();
      if (flags.detach) {
        process.stdout.write(`${Id}\n`);
        return;
      }
      await printLogs(session, Id, { follow: true });
      const { StatusCode } = await (flags.rm ? waitRemoved(session, Id) : waitContainer(session, Id));
      process.exitCode = StatusCode;
    });
}

/** Docker's run exit codes for a daemon error: 127 command not found, 126 not invocable, else 125. */
function runExit(err: unknown): unknown {
  if (!(err instanceof CliError) || err.origin !== 'daemon') return err;
  const exitCode = err.type === 'CommandNotFound' ? 127 : err.type === 'CommandNotInvocable' ? 126 : 125;
  return new CliError(err.message, {
    type: err.type,
    status: err.status,
    origin: err.origin,
    record: err.record,
    exitCode,
  });
}
