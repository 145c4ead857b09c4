import { inspect, readEvents } from '../../client/api';
import type { Session } from '../../client/connection';
import { CliError } from '../../client/errors';
import { pageExecOutput, startExec, type StartedExec } from '../../client/verbs-api';
import { Messages } from '../../common/errors';
import type { ContainerRecord } from '../../common/types';
import { optBool, optStrSlice, optString } from '../convert/json-value';
import { execStoreOf, type ExecInstance } from '../exec-store';
import { badRequest, conflict, notFound } from '../http';
import { detachKeysOf } from '../local-io';
import { checkLocalExec, execResizeRoute, streamExecLocal } from './exec-io';
import type { OutputStream } from '../stream';
import type { Route } from '../router';
import { bareName } from '../../common/names';

/**
 * docker exec over the Engine API: POST /containers/{id}/exec keeps the exec's config in the server's memory
 * (api/exec-store.ts), POST /exec/{id}/start runs it as the containerExec workflow and streams its stdout
 * (frames of type 1) and stderr (type 2) from the exec's own log, paged as the CLI's exec pages them, and
 * GET /exec/{id}/json tells whether it runs and how it ended. With AttachStdin or Tty the session is served on
 * this machine (exec-io.ts): stdin delivered, a pty resized by POST /exec/{id}/resize.
 */

/** A boolean field of the body, false when absent (Docker's zero value). */
const flag = (body: Record<string, unknown>, field: string): boolean => optBool(body[field], field) ?? false;

/** What the exec create body asks for that container-saga cannot give: a 400 naming the field. */
function refuseUnsupported(body: Record<string, unknown>): void {
  if (flag(body, 'Privileged')) throw badRequest('container-saga does not support privileged execs (Privileged)');
}

/** Docker's getActiveContainer: the 409s for a container an exec cannot run in. */
function checkActive(rec: ContainerRecord): void {
  if (!rec.State.Running) throw conflict(Messages.notRunning(rec.Id));
  if (rec.State.Paused) throw conflict(Messages.execPaused(rec.Id));
  if (rec.State.Restarting) throw conflict(Messages.restarting(rec.Id));
}

/** The exec instance of a request, or Docker's 404. */
function execOf(ctx: object, id: string): ExecInstance {
  const exec = execStoreOf(ctx).get(id);
  if (!exec) throw notFound(`No such exec instance: ${id}`);
  return exec;
}

/** How an exec ended, as GET /exec/{id}/json says it: its exit code, or 126 when it could not run at all (Docker's). */
async function exitCodeOf(started: StartedExec): Promise<number> {
  const done = await started.outcome;
  return done.ok ? done.value.exitCode : 126;
}

/** Its process ID, from its exec_start event (after the cursor taken at its creation). */
async function pidOf(s: Session, exec: ExecInstance): Promise<number> {
  if (exec.pid !== undefined) return exec.pid;
  const { events, next } = await readEvents(s, exec.eventsCursor);
  const started = events.find((e) => e.action === 'exec_start' && e.attributes?.execID === exec.id);
  if (started) exec.pid = Number(started.attributes?.pid ?? 0);
  else exec.eventsCursor = next; // not yet: later reads go on from here
  return exec.pid ?? 0;
}

/** Writes the exec's output to the stream until it has ended and all is read, or the client went away. */
async function streamExec(s: Session, exec: ExecInstance, started: StartedExec, out: OutputStream): Promise<void> {
  const gone = new AbortController();
  void out.gone.then(() => gone.abort());
  const sink = (type: 1 | 2, on: boolean) => async (text: string) => {
    if (on) await out.write(type, text);
  };
  let failure: string | undefined;
  try {
    await pageExecOutput(
      s,
      started,
      { stdout: sink(1, exec.attachStdout), stderr: sink(2, exec.attachStderr) },
      gone.signal,
    );
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
  }
  if (out.closed) return;
  const done = await started.outcome;
  // Docker writes what kept the exec from running into the stream, on stdout, as its client prints it.
  if (done.ok && done.value.error) failure = done.value.error;
  else if (!done.ok) failure = done.error instanceof Error ? done.error.message : String(done.error);
  if (failure) await out.write(1, `${failure}\r\n`);
}

/** ConsoleSize, [rows, cols], of a create or start body (absent or [0, 0]: none). */
function consoleSizeOf(body: Record<string, unknown>): [number, number] | undefined {
  const v = body.ConsoleSize;
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length !== 2 || !v.every((n) => Number.isInteger(n) && (n as number) >= 0))
    throw badRequest('ConsoleSize: want [height, width], two unsigned integers');
  const [h, w] = v as [number, number];
  return h > 0 && w > 0 ? [h, w] : undefined;
}

export const execRoutes: Route[] = [
  {
    method: 'POST',
    path: '/containers/{id}/exec',
    handler: async (ctx, r, out) => {
      const body = await r.json();
      refuseUnsupported(body);
      const cmd = optStrSlice(body.Cmd, 'Cmd') ?? [];
      if (cmd.length === 0) throw badRequest('No exec command specified');
      const env = optStrSlice(body.Env, 'Env');
      const workingDir = optString(body.WorkingDir, 'WorkingDir');
      const user = optString(body.User, 'User');
      if (workingDir && !workingDir.startsWith('/')) {
        throw badRequest(`the working directory '${workingDir}' is invalid, it needs to be an absolute path`);
      }
      const detachKeysText = optString(body.DetachKeys, 'DetachKeys') ?? '';
      const detachKeys = detachKeysOf(detachKeysText, (k) => `Invalid escape keys (${k}) provided`);
      const consoleSize = consoleSizeOf(body);
      const s = await ctx.session();
      const [rec, events] = await Promise.all([inspect(s, r.params.id!), readEvents(s, Number.MAX_SAFE_INTEGER)]);
      checkActive(rec);
      const exec = execStoreOf(ctx).add({
        containerId: rec.Id,
        containerName: bareName(rec.Name),
        cmd,
        ...(env && env.length > 0 ? { env } : {}),
        ...(workingDir ? { workingDir } : {}),
        ...(user ? { user } : {}),
        attachStdout: flag(body, 'AttachStdout'),
        attachStderr: flag(body, 'AttachStderr'),
        attachStdin: flag(body, 'AttachStdin'),
        tty: flag(body, 'Tty'),
        detachKeys,
        detachKeysText,
        ...(consoleSize ? { consoleSize } : {}),
        eventsCursor: events.next,
      });
      out.json(201, { Id: exec.id });
    },
  },
  {
    method: 'POST',
    path: '/exec/{id}/start',
    handler: async (ctx, r, out) => {
      const exec = execOf(ctx, r.params.id!);
      const body = await r.json();
      const detach = flag(body, 'Detach');
      const consoleSize = consoleSizeOf(body) ?? exec.consoleSize;
      const local = (exec.attachStdin || exec.tty) && !detach;
      if (exec.start !== undefined) {
        const ended = exec.start !== 'starting' && exec.start.settled;
        throw conflict(
          ended
            ? `Error: Exec command ${exec.id} has already run`
            : `Error: Exec command ${exec.id} is already running`,
        );
      }
      exec.start = 'starting';
      let started: StartedExec;
      try {
        const s = await ctx.session();
        // Checked again by the exec's workflow; here too, so that the answer is still an HTTP error
        const rec = await inspect(s, exec.containerId);
        checkActive(rec);
        if (local) await checkLocalExec(ctx, s, exec);
        started = await startExec(
          s,
          {
            container: exec.containerId,
            execId: exec.id,
            cmd: exec.cmd,
            ...(exec.env ? { env: exec.env } : {}),
            ...(exec.workingDir ? { workingDir: exec.workingDir } : {}),
            ...(exec.user ? { user: exec.user } : {}),
            ...(exec.tty ? { tty: true, ...(consoleSize ? { consoleSize } : {}) } : {}),
            ...(exec.attachStdin && !detach ? { stdin: true } : {}),
          },
          rec,
        );
        exec.start = started;
        void started.outcome.then(() => (exec.endedAt = Date.now()));
        if (detach) {
          out.empty(200);
          return;
        }
        const stream = out.stream();
        const input = local ? stream.takeInput() : undefined; // now: what the client sends from here on is its stdin
        try {
          if (local) await streamExecLocal(ctx, s, exec, started, stream, input);
          else await streamExec(s, exec, started, stream);
        } finally {
          stream.end();
        }
      } catch (err) {
        if (exec.start === 'starting') delete exec.start; // it never started: it may be started again
        throw err;
      }
    },
  },
  execResizeRoute(execOf),
  {
    method: 'GET',
    path: '/exec/{id}/json',
    handler: async (ctx, r, out) => {
      const exec = execOf(ctx, r.params.id!);
      const started = exec.start !== undefined && exec.start !== 'starting' ? exec.start : undefined;
      const running = started !== undefined && !started.settled;
      const pid = started
        ? await pidOf(await ctx.session(), exec).catch((err: unknown) => {
            if (err instanceof CliError) return 0; // a pid is not worth failing the inspect for
            throw err;
          })
        : 0;
      out.json(200, {
        ID: exec.id,
        Running: running,
        ExitCode: started && started.settled ? await exitCodeOf(started) : null,
        ProcessConfig: {
          tty: exec.tty,
          entrypoint: exec.cmd[0],
          arguments: exec.cmd.slice(1),
          privileged: false,
          user: exec.user ?? '',
        },
        OpenStdin: exec.attachStdin,
        OpenStderr: exec.attachStderr,
        OpenStdout: exec.attachStdout,
        CanRemove: false,
        ContainerID: exec.containerId,
        DetachKeys: exec.detachKeysText,
        Pid: pid,
      });
    },
  },
];
