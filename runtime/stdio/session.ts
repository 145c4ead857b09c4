import { promises as fs } from 'node:fs';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LogStream } from '../k8s-file';
import { connectAttach, type AttachConnection } from './attach-socket';
import { DetachScanner } from './detach-keys';
import { tailLog } from './log-tail';

/**
 * An interactive session with a process under conmon on this machine, the same for the Engine API's
 * hijacked connections and the project's CLI: its output followed from its k8s-file log, the client's input
 * written to its attach socket (through detach-key scanning on a terminal). No byte goes through Temporal.
 */
export interface LocalSessionOptions {
  /** the k8s-file log and where its output begins for this client */
  log: string;
  from: number;
  /** the client's stdin, written to this attach socket once it exists (absent: output only) */
  stdin?: { socket: string; input: Readable };
  /** detach keys, scanned only on a terminal (as Docker's daemon does) */
  detachKeys?: Buffer;
  tty: boolean;
  /** writes output to the client; false when it went away */
  write(stream: LogStream, text: string): Promise<boolean>;
  /** resolves when the process has ended (its output is then read to the end) */
  ended: Promise<unknown>;
  /** the client went away */
  signal?: AbortSignal;
}

export type SessionEnd = 'ended' | 'detached' | 'gone';

/** How often the attach socket is looked for while the process is starting. */
const SOCKET_POLL_MS = 10;

export async function runLocalSession(o: LocalSessionOptions): Promise<SessionEnd> {
  const stop = new AbortController();
  let end: SessionEnd = 'ended';
  const finish = (why: SessionEnd) => {
    if (stop.signal.aborted) return;
    end = why;
    stop.abort();
  };
  o.signal?.addEventListener('abort', () => finish('gone'), { once: true });
  if (o.signal?.aborted) return 'gone';
  let conn: AttachConnection | undefined;
  const input = o.stdin ? feedStdin(o, stop.signal, finish, (c) => (conn = c)) : Promise.resolve();
  try {
    await tailLog(o.log, {
      from: o.from,
      until: o.ended,
      signal: stop.signal,
      onEntries: async (entries) => {
        for (const e of entries) if (!(await o.write(e.stream, e.text))) return finish('gone');
      },
    });
  } finally {
    stop.abort();
    conn?.close();
    await input.catch(() => undefined);
  }
  return end;
}

/** Waits for the attach socket, then copies the client's input to it until either side ends. */
async function feedStdin(
  o: LocalSessionOptions,
  stop: AbortSignal,
  finish: (why: SessionEnd) => void,
  connected: (c: AttachConnection) => void,
): Promise<void> {
  const { socket, input } = o.stdin!;
  let ended = false;
  void o.ended.then(() => (ended = true));
  while (
    !(await fs.stat(socket).then(
      (st) => st.isSocket(),
      () => false,
    ))
  ) {
    if (ended || stop.aborted) return;
    await sleep(SOCKET_POLL_MS);
  }
  if (stop.aborted) return;
  const conn = connectAttach(socket);
  connected(conn);
  const scanner = o.tty && o.detachKeys?.length ? new DetachScanner(o.detachKeys) : undefined;
  await new Promise<void>((resolve) => {
    const done = () => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      input.pause(); // one chunk at a time, in order, at the pace socat takes them
      const { pass, detached } = scanner ? scanner.feed(chunk) : { pass: chunk, detached: false };
      void (pass.length > 0 ? conn.write(pass) : Promise.resolve(true)).then((ok) => {
        if (detached) finish('detached');
        if (!ok || detached || stop.aborted) return done();
        input.resume();
      });
    };
    const onEnd = () => {
      conn.end(); // the client's stdin ended: the process's does too (unless conmon keeps it open)
      done();
    };
    stop.addEventListener('abort', done, { once: true });
    input.on('data', onData);
    input.once('end', onEnd);
    input.resume();
  });
}
