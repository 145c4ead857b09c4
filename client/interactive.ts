import { randomBytes } from 'node:crypto';
import { getConfig } from '../config';
import type { ContainerRecord } from '../common/types';
import type { ExecInput, ExecResult } from '../common/verbs-api';
import { Layout } from '../runtime/drivers/layout';
import { execPaths } from '../runtime/exec-layout';
import { resizeTerminal } from '../runtime/stdio/ctl';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from '../runtime/stdio/detach-keys';
import { runLocalSession, type SessionEnd } from '../runtime/stdio/session';
import { inspect } from './api';
import type { Session } from './connection';
import { CliError, toCliError, usageError } from './errors';
import { startExec } from './verbs-api';

/**
 * The CLI's interactive sessions (exec -i/-t): the same local data path as the Engine API's
 * (runtime/stdio/): this terminal's input to the process's conmon attach socket, its output followed from its
 * log, raw mode on a TTY, SIGWINCH → a resize through conmon's ctl fifo. Only for a container of the worker
 * host on this machine (CONTAINER_SAGA_HOST and CONTAINER_SAGA_ROOT as a worker here has them).
 */

export interface Terminal {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** The layout of the container's host when it is this machine's, else why not. */
export function localLayoutFor(rec: ContainerRecord, env: NodeJS.ProcessEnv = process.env): Layout {
  const config = getConfig(env);
  const host = rec.Node?.Name;
  if (host !== undefined && host !== config.host)
    throw new CliError(
      `container ${rec.Id.slice(0, 12)} is on host ${host}: stdin and terminals reach a process only from its host's machine (this one is ${config.host}); run this there`,
      { origin: 'cli', type: 'NotLocal' },
    );
  return new Layout(config.root);
}

/** The detach keys of a flag, or the usage error. */
export function detachKeysFlag(keys: string | undefined, command: string): Buffer {
  try {
    return parseDetachKeys(keys || DEFAULT_DETACH_KEYS);
  } catch (err) {
    throw usageError(`invalid --detach-keys "${keys}": ${(err as Error).message}`, command);
  }
}

/** Raw mode while the session lasts, and the window's size sent on every SIGWINCH. */
export function holdTerminal(t: Terminal, tty: boolean, resize: (rows: number, cols: number) => void): () => void {
  if (!tty) return () => undefined;
  const raw = t.stdin.isTTY;
  if (raw) t.stdin.setRawMode(true);
  const onWinch = () => {
    if (t.stdout.rows && t.stdout.columns) resize(t.stdout.rows, t.stdout.columns);
  };
  process.on('SIGWINCH', onWinch);
  return () => {
    process.off('SIGWINCH', onWinch);
    if (raw) t.stdin.setRawMode(false);
  };
}

const write = (w: NodeJS.WriteStream, text: string) =>
  new Promise<boolean>((resolve) => {
    if (w.write(text)) resolve(true);
    else w.once('drain', () => resolve(true));
  });

/** docker exec -i/-t: resolves with its result; a detach resolves with `detached`. */
export async function interactiveExec(
  s: Session,
  request: ExecInput,
  t: Terminal,
  detachKeys: Buffer,
): Promise<{ result?: ExecResult; end: SessionEnd }> {
  const tty = request.tty ?? false;
  if (tty && !t.stdin.isTTY) throw new CliError('the input device is not a TTY', { origin: 'cli', type: 'NotATty' });
  const rec = await inspect(s, request.container);
  const execId = randomBytes(32).toString('hex');
  const paths = execPaths(localLayoutFor(rec), rec.Id, execId);
  const size: [number, number] | undefined =
    tty && t.stdout.rows && t.stdout.columns ? [t.stdout.rows, t.stdout.columns] : undefined;
  const started = await startExec(
    s,
    { ...request, container: rec.Id, execId, ...(size ? { consoleSize: size } : {}) },
    rec,
  );
  const release = holdTerminal(t, tty, (rows, cols) => void resizeTerminal(paths.ctl, rows, cols).catch(() => {}));
  let end: SessionEnd;
  try {
    end = await runLocalSession({
      log: paths.log,
      from: 0,
      ...(request.stdin ? { stdin: { socket: paths.attach, input: t.stdin } } : {}),
      detachKeys,
      tty,
      ended: started.outcome,
      write: (stream, text) => write(stream === 'stdout' ? t.stdout : t.stderr, text),
    });
  } finally {
    release();
    t.stdin.pause(); // nothing reads it any more: let the process exit
  }
  if (end === 'detached') return { end };
  const done = await started.outcome;
  if (!done.ok) throw toCliError(done.error, s.address);
  return { result: done.value, end };
}
