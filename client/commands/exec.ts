import type { Command } from 'commander';
import type { CliContext } from '../context';
import { writeOut } from '../output';
import { parseExec, type ExecFlags } from '../parse-exec';
import { exec } from '../verbs-api';

const collect = (v: string, acc: string[]) => [...acc, v];

/** Writes to stderr, waiting while the reader is behind. */
function writeErr(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stderr.write(text)) resolve();
    else process.stderr.once('drain', resolve);
  });
}

/**
 * docker exec [-e K=V]... [-w DIR] CONTAINER COMMAND [ARG...], without a TTY or stdin: the command's stdout
 * and stderr as it runs, then its exit code as ours (Docker's message and 126/127 when it could not start).
 */
export function registerExec(program: Command, ctx: CliContext): void {
  program
    .command('exec')
    .description('Run a command in a running container (no TTY, no stdin); exits with its exit code')
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
    .action(async (ref: string, cmd: string[], flags: ExecFlags) => {
      const request = parseExec(flags, ref, cmd, process.env);
      const result = await exec(await ctx.session(), request, { stdout: writeOut, stderr: writeErr });
      if (result.error) await writeErr(`${result.error}\n`);
      process.exitCode = result.exitCode;
    });
}
