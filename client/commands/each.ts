import type { CliContext } from '../context';
import { CliError, cliError } from '../errors';

/**
 * Docker's CLI loop for a verb over several containers (or hosts: `what`): the ref on stdout for each success, each
 * failure reported as it happens, and the closing "failed to <verb> containers: a, b" error (exit 1). Errors that are
 * not the daemon's answer (Temporal unreachable, no worker, a bug) stop the loop at once.
 */
export async function forEachRef(
  ctx: CliContext,
  refs: string[],
  verb: string,
  fn: (ref: string) => Promise<string | void>,
  what = 'containers',
): Promise<void> {
  const failed: string[] = [];
  for (const ref of refs) {
    try {
      // what the verb prints for the container: the ref, unless it says otherwise (wait: the exit code)
      const line = await fn(ref);
      process.stdout.write(`${line ?? ref}\n`);
    } catch (err) {
      if (!(err instanceof CliError) || err.origin !== 'daemon') throw err;
      failed.push(ref);
      ctx.reportError(err);
    }
  }
  if (failed.length > 0) throw cliError(`failed to ${verb} ${what}: ${failed.join(', ')}`);
}
