import { promises as fs } from 'node:fs';
import { inspect } from '../../client/api';
import type { ContainerRecord } from '../../common/types';
import { isGone, resizeTerminal } from '../../runtime/stdio/ctl';
import { runEnded } from '../../runtime/stdio/container-run';
import { runLocalSession } from '../../runtime/stdio/session';
import { ApiError, boolParam, conflict } from '../http';
import { currentAttempt } from '../../runtime/drivers/linux/process';
import { detachKeysOf, localLayout, sizeOf } from '../local-io';
import type { ApiContext, ApiRequest, Route } from '../router';
import type { Responder } from '../responder';

/**
 * POST /containers/{id}/attach with stdin=1 (a container created with OpenStdin): served on the API's own
 * machine from the files of the container's conmon (runtime/stdio/): the client's input to its attach
 * socket (detach keys scanned on a TTY), its output followed from its k8s-file log from the attach on (or
 * from the start with logs=1), raw with a TTY and frames 1/2 without, until its run ends or the client
 * detaches. An attach before the start (the docker CLI's `run -it`, `start -ai`) waits for the run and gets
 * its output from the first byte. POST /containers/{id}/resize sets its pty's size through conmon's ctl fifo.
 */

/** Whether this attach is the interactive kind served here. */
export function wantsLocalAttach(r: ApiRequest, rec: ContainerRecord): boolean {
  return boolParam(r.query, 'stdin') && (rec.Config.OpenStdin ?? false);
}

/** Docker's daemon/attach.go 409s. */
function checkAttachable(rec: ContainerRecord): void {
  if (rec.State.Paused) throw conflict('You cannot attach to a paused container, unpause it first');
  if (rec.State.Restarting) throw conflict('You cannot attach to a restarting container, wait until it is running');
}

export async function attachLocal(ctx: ApiContext, r: ApiRequest, out: Responder, rec: ContainerRecord): Promise<void> {
  checkAttachable(rec);
  const keys = detachKeysOf(r.query.get('detachKeys'), (k) => `Invalid detach keys (${k}) provided`);
  const layout = localLayout(ctx, rec, 'attach with stdin');
  // a running process that no conmon holds (the simulated driver runs none) has no stdin to attach to
  if (rec.State.Running && !(await currentAttempt(layout, rec.Id)))
    throw new ApiError(501, `container ${rec.Id.slice(0, 12)} has no process under conmon: no stdin to attach to`);
  const stdout = boolParam(r.query, 'stdout');
  const stderr = boolParam(r.query, 'stderr');
  const log = layout.log(rec.Id);
  // before the stream starts: the docker CLI starts the container once attached
  const from = boolParam(r.query, 'logs') ? 0 : ((await fs.stat(log).catch(() => undefined))?.size ?? 0);
  const stream = out.stream();
  const input = stream.takeInput(); // now: what the client sends from here on is the process's stdin
  const gone = new AbortController();
  void stream.gone.then(() => gone.abort());
  const tty = rec.Config.Tty;
  try {
    await runLocalSession({
      log,
      from,
      ...(input ? { stdin: { socket: layout.attachSocket(rec.Id), input } } : {}),
      detachKeys: keys,
      tty,
      ended: runEnded(layout, rec.Id, gone.signal),
      signal: gone.signal,
      write: async (s, text) => {
        if (s === 'stdout' ? !stdout : !stderr) return true;
        return tty ? stream.writeRaw(text) : stream.write(s === 'stdout' ? 1 : 2, text);
      },
    });
  } finally {
    gone.abort(); // stops the run watch of a detach
    stream.end();
  }
}

/** POST /containers/{id}/resize: Docker's 409 for a container not running; a no-op without a TTY (containerd's). */
export const containerResizeRoute: Route = {
  method: 'POST',
  path: '/containers/{id}/resize',
  handler: async (ctx, r, out) => {
    const [rows, cols] = sizeOf(r.query);
    const rec = await inspect(await ctx.session(), r.params.id!);
    const notRunning = () => conflict(`Container ${rec.Id} is not running`);
    if (!rec.State.Running) throw notRunning();
    if (rec.Config.Tty) {
      const layout = localLayout(ctx, rec, 'resize');
      await resizeTerminal(layout.ctlFifo(rec.Id), rows, cols).catch((err: unknown) => {
        throw isGone(err) ? notRunning() : err;
      });
    }
    out.empty(200);
  },
};
