import { promises as fs } from 'node:fs';
import type { ContainerRecord } from '../common/types';
import { resizeTerminal } from '../runtime/stdio/ctl';
import { runEnded } from '../runtime/stdio/container-run';
import { runLocalSession, type SessionEnd } from '../runtime/stdio/session';
import type { Session } from './connection';
import { holdTerminal, localLayoutFor, type Terminal } from './interactive';
import { kill } from './verbs-api';

/**
 * The CLI's attach to a container under conmon (run -it, start -ai, attach): as the Engine API's
 * (api/routes/attach-io.ts), through the files of the worker host on this machine. `start` runs once the
 * session follows the log, so the run's first byte is shown. Without a TTY, --sig-proxy forwards SIGINT and
 * SIGTERM to the container, as Docker's CLI does.
 */
export interface ContainerSessionOptions {
  stdin: boolean;
  detachKeys: Buffer;
  sigProxy: boolean;
  /** starts the container once attached (run, start -a) */
  start?: () => Promise<void>;
}

export async function containerSession(
  s: Session,
  rec: ContainerRecord,
  t: Terminal,
  o: ContainerSessionOptions,
): Promise<SessionEnd> {
  const layout = localLayoutFor(rec);
  const id = rec.Id;
  const tty = rec.Config.Tty;
  const from = (await fs.stat(layout.log(id)).catch(() => undefined))?.size ?? 0;
  const resize = (rows: number, cols: number) => void resizeTerminal(layout.ctlFifo(id), rows, cols).catch(() => {});
  const release = holdTerminal(t, tty, resize);
  const proxied = ['SIGINT', 'SIGTERM'] as const;
  const forward = (sig: NodeJS.Signals) => void kill(s, id, sig).catch(() => undefined);
  if (o.sigProxy && !tty) for (const sig of proxied) process.on(sig, forward);
  const watch = new AbortController();
  try {
    const session = runLocalSession({
      log: layout.log(id),
      from,
      ...(o.stdin && rec.Config.OpenStdin ? { stdin: { socket: layout.attachSocket(id), input: t.stdin } } : {}),
      detachKeys: o.detachKeys,
      tty,
      ended: runEnded(layout, id, watch.signal),
      write: (stream, text) =>
        new Promise<boolean>((resolve) => {
          const w = stream === 'stdout' ? t.stdout : t.stderr;
          if (w.write(text)) resolve(true);
          else w.once('drain', () => resolve(true));
        }),
    });
    await o.start?.();
    if (tty && t.stdout.rows && t.stdout.columns) resize(t.stdout.rows, t.stdout.columns);
    return await session;
  } finally {
    watch.abort();
    for (const sig of proxied) process.off(sig, forward);
    release();
    t.stdin.pause();
  }
}
