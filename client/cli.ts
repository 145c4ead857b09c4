import { Command, CommanderError } from 'commander';
import { registerContainerVerbs } from './commands/container-verbs';
import { registerContainerArchive } from './commands/container-archive';
import { registerCreate } from './commands/create';
import { registerEvents } from './commands/events';
import { registerAttach } from './commands/attach';
import { registerExec } from './commands/exec';
import { registerHost } from './commands/host';
import { registerImage } from './commands/image';
import { registerImageArchive } from './commands/image-archive';
import { registerImagePull } from './commands/image-pull';
import { registerInspect } from './commands/inspect';
import { registerKill } from './commands/kill';
import { registerLifecycle } from './commands/lifecycle';
import { registerLogs } from './commands/logs';
import { registerNetwork } from './commands/network';
import { registerPause } from './commands/pause';
import { registerPort } from './commands/port';
import { registerPs } from './commands/ps';
import { registerRun } from './commands/run';
import { registerStart } from './commands/start';
import { registerStats } from './commands/stats';
import { registerUpdate } from './commands/update';
import { registerVolume } from './commands/volume';
import { registerWait } from './commands/wait';
import { productVersion } from '../config/version';
import { cliContext, type CliContext } from './context';
import { describeError, usageError } from './errors';

/**
 * container-saga: Docker's verbs over Temporal. Every verb is a workflow served by the worker that owns the
 * containers, so this CLI works the same from any host that reaches the Temporal server.
 *
 * Errors are formatted and printed here and only here (`reportError`): Docker's "Error response from daemon:
 * …" for the daemon's errors (exit 1), "Error: …" for the CLI's own (exit 1), and the flag error with a help
 * hint for usage mistakes (exit 125, nothing sent). Commands throw; multi-container verbs report each
 * container's failure through the same function as Docker's CLI does, then throw their closing error.
 */
function reportError(err: unknown): number {
  const { line, exitCode } = describeError(err);
  process.stderr.write(`${line}\n`);
  return exitCode;
}

function buildProgram(ctx: CliContext): { program: Command; activeCommand: () => string | undefined } {
  let active: string[] = [];
  const program = new Command('container-saga')
    .description(
      "Docker's container verbs, each a durable Temporal workflow (start is a saga that compensates on failure)",
    )
    .version(productVersion(), '--version', 'print the version')
    .enablePositionalOptions()
    .exitOverride()
    // Commander's own error lines are replaced by ours (one line, with the help hint); help text still prints.
    .configureOutput({ outputError: () => undefined })
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      '\nEnvironment:\n  TEMPORAL_ADDRESS           Temporal frontend (default localhost:7233)\n' +
        '  TEMPORAL_NAMESPACE         namespace (default default)\n' +
        '  CONTAINER_SAGA_TASK_QUEUE  task queue the workers poll (default container-saga)\n',
    )
    .hook('preSubcommand', (_cmd, sub) => {
      active = [...active, sub.name()];
    });
  registerCreate(program, ctx);
  registerStart(program, ctx);
  registerRun(program, ctx);
  registerWait(program, ctx);
  registerInspect(program, ctx);
  registerPs(program, ctx);
  registerPort(program, ctx);
  registerEvents(program, ctx);
  registerLifecycle(program, ctx);
  registerLogs(program, ctx);
  registerKill(program, ctx);
  registerPause(program, ctx);
  registerExec(program, ctx);
  registerAttach(program, ctx);
  registerImage(program, ctx);
  registerNetwork(program, ctx);
  registerImageArchive(program, ctx);
  registerImagePull(program, ctx);
  registerVolume(program, ctx);
  registerHost(program, ctx);
  registerContainerVerbs(program, ctx);
  registerContainerArchive(program, ctx);
  registerStats(program, ctx);
  registerUpdate(program, ctx);
  // Subcommands inherit exitOverride and the output settings (set above, before they were added), not hooks.
  for (const group of program.commands) {
    group.hook('preSubcommand', (_cmd, sub) => {
      active = [...active, sub.name()];
    });
  }
  return { program, activeCommand: () => (active.length > 0 ? active.join(' ') : undefined) };
}

async function main(argv: string[]): Promise<number> {
  const ctx = cliContext((err) => void reportError(err));
  const { program, activeCommand } = buildProgram(ctx);
  try {
    if (argv.length <= 2) {
      program.outputHelp();
      return 0;
    }
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help, --version, and `help`: printed already.
      if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      // A command group without its subcommand (`image`): commander printed its help to stderr.
      if (err.code === 'commander.help') return 125;
      return reportError(usageError(err.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' '), activeCommand()));
    }
    return reportError(err);
  } finally {
    await ctx.close();
  }
}

/**
 * Exits once everything written to stdout has left: on a pipe, writes are asynchronous, and process.exit
 * would drop the tail of a large output (logs of many MB).
 */
function exitAfterOutput(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

// A reader that went away (`container-saga logs web | head`) ends the command quietly, as it does Docker's.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv).then(exitAfterOutput, (err: unknown) => exitAfterOutput(reportError(err)));
