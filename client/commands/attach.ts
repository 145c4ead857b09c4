import type { Command } from 'commander';
import { inspect, waitContainer } from '../api';
import { containerSession } from '../container-session';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { detachKeysFlag } from '../interactive';

interface AttachFlags {
  stdin: boolean;
  detachKeys?: string;
  sigProxy: boolean;
}

/**
 * docker attach [--no-stdin] [--detach-keys K] [--sig-proxy=false] CONTAINER: this terminal to the running
 * container's process (its stdin if it was created with -i), until it exits (then its exit code is ours)
 * or the detach keys are typed (it runs on).
 */
export function registerAttach(program: Command, ctx: CliContext): void {
  program
    .command('attach')
    .description("Attach this terminal's input and output to a running container")
    .argument('<container>')
    .option('--no-stdin', 'do not attach STDIN')
    .option('--detach-keys <keys>', 'the key sequence that detaches from a TTY (default ctrl-p,ctrl-q)')
    .option('--no-sig-proxy', 'do not forward SIGINT and SIGTERM to the process (never with a TTY)')
    .action(async (ref: string, flags: AttachFlags) => {
      const keys = detachKeysFlag(flags.detachKeys, 'attach');
      const s = await ctx.session();
      const rec = await inspect(s, ref);
      // the docker CLI's own checks (cli/command/container/attach.go)
      if (!rec.State.Running) throw new CliError('You cannot attach to a stopped container, start it first');
      if (rec.State.Paused) throw new CliError('You cannot attach to a paused container, unpause it first');
      if (rec.Config.Tty && flags.stdin && !process.stdin.isTTY)
        throw new CliError('the input device is not a TTY', { origin: 'cli' });
      const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
      const end = await containerSession(s, rec, io, {
        stdin: flags.stdin,
        detachKeys: keys,
        sigProxy: flags.sigProxy,
      });
      if (end === 'detached') return;
      process.exitCode = (await waitContainer(s, rec.Id)).StatusCode;
    });
}
