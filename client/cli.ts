import { Command, CommanderError } from 'commander';
import { registerCreate } from './commands/create';
import { registerEvents } from './commands/events';
import { registerImage } from './commands/image';
import { registerInspect } from './commands/inspect';
import { registerLifecycle } from './commands/lifecycle';
import { registerPs } from './commands/ps';
import { registerStart } from './commands/start';
import { cliContext } from './context';
import { CliError, toCliError } from './errors';

/**
 * container-saga: Docker's verbs over Temporal. Every verb is a workflow served by the worker that owns the
 * containers, so this CLI works the same from any host that reaches the Temporal server.
 * Errors are printed here and only here, as one line: Docker's "Error response from daemon: …" for the
 * daemon's errors (exit 1), the flag error for usage mistakes (exit 125, nothing sent).
 */
async function main(argv: string[]): Promise<number> {
  const ctx = cliContext();
  const program = new Command('container-saga')
    .description("Docker's container start as a durable Temporal saga")
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, outputError: () => undefined })
    .showSuggestionAfterError(false);
  registerCreate(program, ctx);
  registerStart(program, ctx);
  registerInspect(program, ctx);
  registerPs(program, ctx);
  registerEvents(program, ctx);
  registerLifecycle(program, ctx);
  registerImage(program, ctx);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0; // --help, --version
      process.stderr.write(`container-saga: ${err.message.replace(/^error: /, '')} (see 'container-saga --help')\n`);
      return 125;
    }
    const e = toCliError(err);
    if (e instanceof CliError) {
      process.stderr.write(e.exitCode === 125 ? `container-saga: ${e.message}\n` : `Error response from daemon: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`container-saga: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    await ctx.close();
  }
}

main(process.argv).then((code) => process.exit(code));
