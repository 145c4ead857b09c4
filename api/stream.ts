import type { ServerResponse } from 'node:http';
import { PassThrough, type Duplex, type Readable } from 'node:stream';

/**
 * The Engine API's streams: Docker's multiplexed frames (an 8-byte header: stream 1 stdout / 2 stderr, three
 * zero bytes, the payload's length as a big-endian uint32) written either on a connection taken over with
 * `101 UPGRADED` (attach and exec start, as the docker CLI asks) or as a plain chunked 200 response (clients
 * that do not upgrade). Writes wait for the client to read (no unbounded buffering of a large log), and the
 * stream knows when its client went away.
 */

export const RAW_STREAM = 'application/vnd.docker.raw-stream';

export type StreamType = 1 | 2;

export function frame(stream: StreamType, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** Frames carry at most this much: a client's buffer never needs more for one frame. */
const MAX_FRAME = 64 * 1024;

export interface OutputStream {
  /** writes `text` as frames of `stream`; resolves once the client has taken it (false when it went away) */
  write(stream: StreamType, data: string | Buffer): Promise<boolean>;
  /** writes raw bytes (a JSON line of events), with the same back-pressure */
  writeRaw(data: string | Buffer): Promise<boolean>;
  end(): void;
  /** true once the client closed its side or the connection broke */
  readonly closed: boolean;
  /** resolves when the client goes away (to stop following) */
  readonly gone: Promise<void>;
  /** bytes the client sent on a hijacked connection (stdin) */
  readonly inputBytes: number;
  /**
   * The client's bytes on a hijacked connection (its stdin, ended by its half-close) from now on, at the
   * pace they are read; undefined on a plain response. Before it is taken, what the client sends is dropped.
   */
  takeInput(): Readable | undefined;
}

function outputOn(
  sink: NodeJS.WritableStream & { destroyed?: boolean },
  end: () => void,
  goneEvents: { on(ev: 'close', cb: () => void): unknown },
  input: () => number = () => 0,
  takeInput: () => Readable | undefined = () => undefined,
): OutputStream {
  let closed = false;
  let signalGone!: () => void;
  const gone = new Promise<void>((r) => (signalGone = r));
  goneEvents.on('close', () => {
    closed = true;
    signalGone();
  });
  const writeBuf = (buf: Buffer): Promise<boolean> => {
    if (closed || sink.destroyed) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const ok = sink.write(buf, (err) => {
        if (err) resolve(false);
      });
      if (ok) resolve(true);
      else {
        // Wait for the client to drain, or for it to go away.
        const onDrain = () => resolve(true);
        sink.once('drain', onDrain);
        void gone.then(() => {
          sink.removeListener('drain', onDrain);
          resolve(false);
        });
      }
    });
  };
  return {
    async write(stream, data) {
      const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      for (let at = 0; at < buf.length; at += MAX_FRAME) {
        if (!(await writeBuf(frame(stream, buf.subarray(at, at + MAX_FRAME))))) return false;
      }
      return true;
    },
    writeRaw: (data) => writeBuf(typeof data === 'string' ? Buffer.from(data, 'utf8') : data),
    end() {
      if (!closed) end();
    },
    get closed() {
      return closed;
    },
    gone,
    get inputBytes() {
      return input();
    },
    takeInput,
  };
}

/** Takes over the connection, as Docker does for attach and exec start when the client asks to upgrade. */
export function hijacked(socket: Duplex, contentType = RAW_STREAM): OutputStream {
  socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
  // The client may half-close its side once it has nothing to send (no stdin): that is not going away.
  let input = 0;
  let taken: PassThrough | undefined;
  let ended = false;
  socket.on('end', () => {
    ended = true;
    taken?.end();
  });
  socket.on('data', (b: Buffer) => {
    input += b.length;
    if (taken && !taken.write(b)) socket.pause();
  });
  const takeInput = () => {
    if (!taken) {
      taken = new PassThrough();
      taken.on('drain', () => socket.resume());
      socket.on('close', () => taken?.end());
      if (ended) taken.end();
    }
    return taken;
  };
  return outputOn(
    socket,
    () => socket.end(),
    socket,
    () => input,
    takeInput,
  );
}

/** A 200 response whose body is the stream (logs, events, attach without upgrade). */
export function streamed(res: ServerResponse, contentType = RAW_STREAM): OutputStream {
  res.writeHead(200, { 'Content-Type': contentType });
  res.flushHeaders();
  return outputOn(res, () => res.end(), res);
}
