import { createInterface } from 'node:readline/promises';
import type { WorkflowHandle } from '@temporalio/client';
import type { Command } from 'commander';
import type { ContainerStartResult } from '../../common/start-api';
import { startContainer } from '../api';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { color, printJson } from '../output';

interface StartFlags {
  cancelOnInterrupt?: boolean;
  json?: boolean;
}

/** Prints each step and compensation once, as the saga's progress reports them (to stderr: stdout is Docker's). */
function progressPrinter(ref: string, quiet: boolean) {
  let steps = 0;
  let undone = 0;
  let headed = false;
  let failed = false;
  return (p: ContainerStartResult) => {
    if (quiet) return;
    if (!headed) {
      process.stderr.write(`${color.dim(`starting ${ref}`)}\n`);
      headed = true;
    }
    for (; steps < p.steps.length; steps++) process.stderr.write(`  ${color.ok('✓')} ${p.steps[steps]}\n`);
    if (p.error && !failed) {
      failed = true;
      process.stderr.write(`  ${color.err('✗')} ${p.error.message}\n`);
    }
    for (; undone < p.compensations.length; undone++) process.stderr.write(`  ${color.undo('↺')} ${p.compensations[undone]}\n`);
  };
}

/**
 * Ctrl-C during a start: with --cancel-on-interrupt the saga is cancelled (it compensates, and we wait to
 * show that); on a terminal we ask; otherwise the start goes on in the background and we say where.
 */
function interruptHandler(flags: StartFlags, ref: string, handle: () => WorkflowHandle | undefined, state: { cancelled: boolean }) {
  let asking = false;
  return async () => {
    const h = handle();
    if (!h || state.cancelled || asking) return;
    let cancel = Boolean(flags.cancelOnInterrupt);
    if (!cancel && process.stdin.isTTY) {
      asking = true;
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      cancel = /^y(es)?$/i.test((await rl.question(`Cancel the start of ${ref}? [y/N] `)).trim());
      rl.close();
      asking = false;
    } else if (!cancel) {
      process.stderr.write(`start of ${ref} continues in the background (workflow ${h.workflowId})\n`);
      process.exit(130);
    }
    if (cancel) {
      state.cancelled = true;
      process.stderr.write(`cancelling the start of ${ref}: compensating…\n`);
      await h.cancel();
    }
  };
}

export function registerStart(program: Command, ctx: CliContext): void {
  program
    .command('start')
    .description('Start one or more created containers, each through its durable saga')
    .argument('<containers...>')
    .option('--cancel-on-interrupt', 'Ctrl-C cancels the start (the saga compensates) instead of asking')
    .option('--json', 'print the saga results as JSON instead of live steps')
    .action(async (refs: string[], flags: StartFlags) => {
      const session = await ctx.session();
      const failed: string[] = [];
      const results: ContainerStartResult[] = [];
      const state = { cancelled: false };
      for (const ref of refs) {
        let handle: WorkflowHandle | undefined;
        const onInterrupt = interruptHandler(flags, ref, () => handle, state);
        process.on('SIGINT', onInterrupt);
        try {
          const result = await startContainer(session, ref, {
            onProgress: progressPrinter(ref, Boolean(flags.json)),
            onStarted: (h) => (handle = h),
          });
          results.push(result);
          if (!flags.json) process.stdout.write(`${ref}\n`);
        } catch (err) {
          if (!(err instanceof CliError)) throw err;
          if (err.record) results.push(err.record);
          // Docker's CLI treats 304 Not Modified as done.
          if (err.type === 'AlreadyStarted') {
            if (!flags.json) process.stdout.write(`${ref}\n`);
            continue;
          }
          failed.push(ref);
          process.stderr.write(`Error response from daemon: ${err.message}\n`);
        } finally {
          process.off('SIGINT', onInterrupt);
        }
      }
      if (flags.json) printJson(results);
      if (state.cancelled) process.exitCode = 130;
      else if (failed.length > 0) {
        process.stderr.write(`Error: failed to start containers: ${failed.join(', ')}\n`);
        process.exitCode = 1;
      }
    });
}
