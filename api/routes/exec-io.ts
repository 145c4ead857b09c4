import { inspect } from '../../client/api';
import type { Session } from '../../client/connection';
import { toCliError } from '../../client/errors';
import type { Readable } from 'node:stream';
import type { StartedExec } from '../../client/verbs-api';
import { execPaths } from '../../runtime/exec-layout';
import { isGone, resizeTerminal } from '../../runtime/stdio/ctl';
import { runLocalSession } from '../../runtime/stdio/session';
import type { ExecInstance } from '../exec-store';
import { conflict } from '../http';
import { localLayout, sizeOf } from '../local-io';
import type { ApiContext, Route } from '../router';
import type { OutputStream } from '../stream';

/**
 * An interactive exec (AttachStdin or Tty) on the API's own machine: its stdin goes to its conmon's attach
 * socket and its output is followed from its k8s-file log (runtime/stdio/session.ts), raw with a TTY, frames
 * 1 and 2 without; its exit code still comes from its workflow. Resized through its conmon's ctl fifo.
 */

/** Where the exec's files are, checked before its workflow starts (the 501 for another host). */
export async function checkLocalExec(ctx: ApiContext, s: Session, exec: ExecInstance): Promise<void> {
  localLayout(ctx, await inspect(s, exec.containerId), 'exec with stdin or a TTY');
}

/** Serves the exec's session until it ends, the client detaches or goes away. */
export async function streamExecLocal(
  ctx: ApiContext,
  s: Session,
  exec: ExecInstance,
  started: StartedExec,
  out: OutputStream,
  input: Readable | undefined,
): Promise<void> {
  const layout = localLayout(ctx, await inspect(s, exec.containerId), 'exec with stdin or a TTY');
  const p = execPaths(layout, exec.containerId, exec.id);
  const gone = new AbortController();
  void out.gone.then(() => gone.abort());
  const end = await runLocalSession({
    log: p.log,
    from: 0,
    ...(exec.attachStdin && input ? { stdin: { socket: p.attach, input } } : {}),
    detachKeys: exec.detachKeys,
    tty: exec.tty,
    ended: started.outcome,
    signal: gone.signal,
    write: async (stream, text) => {
      if (exec.tty) return exec.attachStdout ? out.writeRaw(text) : true;
      if (stream === 'stdout' ? !exec.attachStdout : !exec.attachStderr) return true;
      return out.write(stream === 'stdout' ? 1 : 2, text);
    },
  });
  if (end !== 'ended' || out.closed) return;
  const done = await started.outcome;
  // Docker writes what kept the exec from running into the stream, on stdout, as its client prints it.
  const err = done.ok ? undefined : toCliError(done.error, ctx.address);
  const failure = done.ok ? done.value.error : err instanceof Error ? err.message : String(err);
  if (failure) await (exec.tty ? out.writeRaw(`${failure}\r\n`) : out.write(1, `${failure}\r\n`));
}

/** POST /exec/{id}/resize: the exec's pty, through its conmon; a no-op without one, as Docker's (containerd's). */
export function execResizeRoute(execOf: (ctx: object, id: string) => ExecInstance): Route {
  return {
    method: 'POST',
    path: '/exec/{id}/resize',
    handler: async (ctx, r, out) => {
      const exec = execOf(ctx, r.params.id!);
      const [rows, cols] = sizeOf(r.query);
      const running = exec.start !== undefined && exec.start !== 'starting' && !exec.start.settled;
      if (!running) throw conflict(`Exec ${exec.id} is not running`);
      if (exec.tty) {
        const s = await ctx.session();
        const layout = localLayout(ctx, await inspect(s, exec.containerId), 'exec resize');
        await resizeTerminal(execPaths(layout, exec.containerId, exec.id).ctl, rows, cols).catch((err: unknown) => {
          // not yet running under its conmon, or just ended: Docker answers the same way for a process not there
          if (isGone(err)) throw conflict(`Exec ${exec.id} is not running`);
          throw err;
        });
      }
      out.empty(200);
    },
  };
}
