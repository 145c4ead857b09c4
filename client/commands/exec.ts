import type { Command } from 'commander';
import type { CliContext } from '../context';
import { writeOut } from '../output';
import { parseExec, type ExecFlags } from '../parse-exec';
import { exec } from '../verbs-api';
import { detachKeysFlag, interactiveExec } from '../interactive';

interface InteractiveFlags {
  interactive?: boolean;
  tty?: boolean;
  detachKeys?: string;
}

const collect = (v: string, acc: string[]) => [...acc, v];

/** Writes to stderr, waiting while the reader is behind. */
function writeErr(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stderr.write(text)) resolve();
    else process.stderr.once('drain', resolve);
  });
}

/**
 * docker exec [-i] [-t] [--detach-keys K] [-e K=V]... [-w DIR] CONTAINER COMMAND [ARG...]: the command's
 * stdout and stderr as it runs, then its exit code as ours (Docker's message and 126/127 when it could not
 * start). With -i or -t the session is served on this machine (client/interactive.ts): this terminal's input,
 * raw mode and window size.
 */
export function registerExec(program: Command, ctx: CliContext): void {
  program
    .command('exec')
    .description('Run a command in a running container; exits with its exit code')
    .usage('[options] CONTAINER COMMAND [ARG...]')
    .argument('<container>')
    .argument('<command...>')
    // Everything after CONTAINER belongs to the command: `exec web ls -l /`.
    .passThroughOptions()
    .option(
      '-e, --env <KEY[=VALUE]>',
      'set an environment variable; KEY alone passes the value from this environment (repeatable)',
      collect,
      [],
    )
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-u, --user <user[:group]>', "user (name or uid) and group (name or gid), in the container's /etc/passwd")
    .option('-i, --interactive', "keep STDIN open: this terminal's input is the command's")
    .option('-t, --tty', 'allocate a pseudo-TTY (raw mode here, resized with this window)')
    .option('--detach-keys <keys>', 'the key sequence that detaches from a TTY (default ctrl-p,ctrl-q)')
    .action(async (ref: string, cmd: string[], flags: ExecFlags & InteractiveFlags) => {
      const request = parseExec(flags, ref, cmd, process.env);
      if (flags.interactive || flags.tty) {
        const keys = detachKeysFlag(flags.detachKeys, 'exec');
        const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
        const interactive = { ...request, tty: flags.tty ?? false, stdin: flags.interactive ?? false };
        const { result, end } = await interactiveExec(await ctx.session(), interactive, io, keys);
        if (end === 'detached') {
          await writeErr('read escape sequence\n'); // as Docker's CLI: the exec runs on
          process.exitCode = 1;
          return;
        }
        if (result?.error) await writeErr(`${result.error}\n`);
        process.exitCode = result?.exitCode ?? 0;
        return;
      }
      const result = await exec(await ctx.session(), request, { stdout: writeOut, stderr: writeErr });
      if (result.error) await writeErr(`${result.error}\n`);
      process.exitCode = result.exitCode;
    });
}
