import { createInterface } from 'node:readline';
import type { WorkflowHandle } from '@temporalio/client';
import type { Command } from 'commander';
import type { ErrorType } from '../../common/errors';
import type { ContainerStartResult } from '../../common/start-api';
import { inspect, startContainer, waitContainer } from '../api';
import { containerSession } from '../container-session';
import { detachKeysFlag } from '../interactive';
import type { Session } from '../connection';
import type { CliContext } from '../context';
import { CliError, cliError, usageError } from '../errors';
import { printJson } from '../output';
import { progressPrinter } from '../progress';

interface StartFlags {
  cancelOnInterrupt?: boolean;
  json?: boolean;
  attach?: boolean;
  interactive?: boolean;
  detachKeys?: string;
}

/**
 * docker start: each container in turn through its saga, the steps shown live on stderr as they complete
 * (compensations as ↺), then Docker's output on stdout: the ref of each container started. A container that
 * already runs counts as started (Docker's CLI treats the daemon's 304 so). Failures print Docker's
 * "Error response from daemon: …" and, at the end, "Error: failed to start containers: …" (exit 1).
 * --json prints the saga records instead of the live lines, failures included (with their error).
 */
export function registerStart(program: Command, ctx: CliContext): void {
  program
    .command('start')
    .description('Start one or more created containers, each through its durable saga')
    .argument('<containers...>')
    .option('--cancel-on-interrupt', 'Ctrl-C cancels the start (the saga compensates, shown live) instead of asking')
    .option('--json', 'print the saga records as a JSON array instead of the live steps')
    .option('-a, --attach', "attach this terminal to the container's output (one container)")
    .option('-i, --interactive', "attach this terminal's input to the container's stdin (one container)")
    .option('--detach-keys <keys>', 'the key sequence that detaches from a TTY (default ctrl-p,ctrl-q)')
    .action(async (refs: string[], flags: StartFlags) => {
      const session = await ctx.session();
      if (flags.attach || flags.interactive) return startAttached(session, refs, flags);
      const results: ContainerStartResult[] = [];
      const failed: string[] = [];
      let stopWith: unknown;
      for (const ref of refs) {
        try {
          const result = await startOne(session, ref, flags);
          results.push(result);
          if (!flags.json) process.stdout.write(`${ref}\n`);
        } catch (err) {
          if (!(err instanceof CliError)) throw err;
          if (err.type === 'AlreadyStarted') {
            results.push(alreadyRunning(err, ref));
            if (!flags.json) process.stdout.write(`${ref}\n`);
            continue;
          }
          if (err.origin !== 'daemon') {
            // Cancelled by Ctrl-C, Temporal gone, no worker: not about this container, so no further ones.
            if (err.record) results.push(err.record);
            stopWith = err;
            break;
          }
          results.push(err.record ?? recordOf(err, ref));
          failed.push(ref);
          ctx.reportError(err);
        }
      }
      if (flags.json) printJson(results);
      if (stopWith) throw stopWith;
      if (failed.length > 0) throw cliError(`failed to start containers: ${failed.join(', ')}`);
    });
}

/** One container's start, with its live lines and its Ctrl-C handling. */
async function startOne(session: Session, ref: string, flags: StartFlags): Promise<ContainerStartResult> {
  let handle: WorkflowHandle | undefined;
  const interrupt = interruptHandler(ref, flags, () => handle);
  process.on('SIGINT', interrupt.onInterrupt);
  try {
    const result = await startContainer(session, ref, {
      onProgress: flags.json ? undefined : progressPrinter(ref),
      onStarted: (h) => (handle = h),
    });
    // the saga settles a request that came while its task ran by what the host holds (docs/design.md)
    if (interrupt.cancelRequested())
      process.stderr.write(`the start of ${ref} had completed before the cancellation reached it: it is running\n`);
    return result;
  } finally {
    process.off('SIGINT', interrupt.onInterrupt);
  }
}

/**
 * Ctrl-C during a start. Before the saga is started: exit. Then, with --cancel-on-interrupt: cancel the
 * saga and keep waiting, so the compensations show (a second Ctrl-C leaves them to finish in the
 * background). On a terminal: ask. Otherwise: say the start goes on in the background, and where.
 */
function interruptHandler(
  ref: string,
  flags: StartFlags,
  handle: () => WorkflowHandle | undefined,
): { onInterrupt: () => void; cancelRequested: () => boolean } {
  let cancelling = false;
  let asking = false;
  const leave = (why: string): never => {
    process.stderr.write(`\n${why}\n`);
    process.exit(130);
  };
  const cancel = (h: WorkflowHandle) => {
    cancelling = true;
    process.stderr.write(`cancelling the start of ${ref}…\n`);
    h.cancel().catch((err: unknown) =>
      leave(`could not cancel workflow ${h.workflowId}: ${err instanceof Error ? err.message : String(err)}`),
    );
  };
  const onInterrupt = () => {
    const h = handle();
    if (!h) leave(`interrupted before the start of ${ref} was submitted`);
    if (cancelling) leave(`the start of ${ref} is being cancelled in the background (workflow ${h!.workflowId})`);
    if (asking) return;
    if (flags.cancelOnInterrupt) return cancel(h!);
    if (!process.stdin.isTTY) leave(`the start of ${ref} continues in the background (workflow ${h!.workflowId})`);
    asking = true;
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    // Ctrl-C at the prompt: leave the start running.
    rl.on('SIGINT', () => {
      rl.close();
      leave(`the start of ${ref} continues in the background (workflow ${h!.workflowId})`);
    });
    rl.question(`\nCancel the start of ${ref}? [y/N] `, (answer) => {
      rl.close();
      asking = false;
      if (/^y(es)?$/i.test(answer.trim())) cancel(h!);
      else process.stderr.write(`waiting for the start of ${ref}…\n`);
    });
  };
  return { onInterrupt, cancelRequested: () => cancelling };
}

/** Docker's CLI treats 304 as success: the record says so rather than carrying an error. */
function alreadyRunning(err: CliError, ref: string): ContainerStartResult {
  const { error: _ignored, ...rest } = err.record ?? recordOf(err, ref);
  return { ...rest, status: 'already-running' };
}

/** The record of a start that failed before its saga ran (the container could not be resolved). */
function recordOf(err: CliError, ref: string): ContainerStartResult {
  return {
    containerId: '',
    name: ref,
    status: 'failed',
    steps: [],
    compensations: [],
    leftovers: [],
    error: { type: err.type as ErrorType, message: err.message, status: err.status },
  };
}

/** docker start -a [-i] CONTAINER: attached before the start, then its output (and input) until it exits. */
async function startAttached(session: Session, refs: string[], flags: StartFlags): Promise<void> {
  if (refs.length !== 1) throw usageError('you cannot start and attach multiple containers at once', 'start');
  const keys = detachKeysFlag(flags.detachKeys, 'start');
  const rec = await inspect(session, refs[0]!);
  const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
  const start = async () => {
    await startOne(session, refs[0]!, { ...flags, json: true }).catch((err: unknown) => {
      if (!(err instanceof CliError && err.type === 'AlreadyStarted')) throw err;
    });
  };
  const opts = { stdin: flags.interactive ?? false, detachKeys: keys, sigProxy: true, start };
  if ((await containerSession(session, rec, io, opts)) === 'detached') return;
  process.exitCode = (await waitContainer(session, rec.Id)).StatusCode;
}
