import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { sendEmpty, sendJson } from './http';
import { API_VERSION } from './version';
import { hijacked, streamed, type OutputStream } from './stream';

/**
 * How a handler answers, the same whether the request came as plain HTTP or asked to take over its
 * connection (attach and exec start from the docker CLI): JSON, an empty status, or a stream. An error
 * before the stream starts is still an ordinary HTTP answer, which is what the docker CLI prints.
 */
export interface Responder {
  json(status: number, body: unknown): void;
  empty(status: number): void;
  /** a plain-text answer (`/_ping`'s "OK") */
  text(status: number, body: string): void;
  /** starts the stream: `101 UPGRADED` on a connection the client asked to upgrade, else a 200 with a streamed body */
  stream(contentType?: string): OutputStream;
  /** a header of the answer to come (the archive's stat); plain HTTP answers only */
  header?(name: string, value: string): void;
  /** true once an answer has started */
  readonly started: boolean;
  /** resolves when the client goes away before or during the answer */
  readonly gone: Promise<void>;
}

export function httpResponder(res: ServerResponse): Responder {
  const gone = new Promise<void>((r) => res.on('close', () => r()));
  return {
    json: (status, body) => sendJson(res, status, body),
    empty: (status) => sendEmpty(res, status),
    text: (status, body) => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    },
    stream: (contentType) => streamed(res, contentType),
    header: (name, value) => res.setHeader(name, value),
    get started() {
      return res.headersSent;
    },
    gone,
  };
}

/** Answers on a raw socket, for requests that asked to upgrade. */
export function socketResponder(socket: Duplex): Responder {
  let started = false;
  const gone = new Promise<void>((r) => socket.on('close', () => r()));
  const plain = (status: number, body: string | undefined, type = 'application/json') => {
    started = true;
    const headers = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
      'Connection: close',
      `Api-Version: ${API_VERSION}`,
    ];
    if (body !== undefined) headers.push(`Content-Type: ${type}`, `Content-Length: ${Buffer.byteLength(body)}`);
    socket.end(`${headers.join('\r\n')}\r\n\r\n${body ?? ''}`);
  };
  return {
    json: (status, body) => plain(status, JSON.stringify(body)),
    empty: (status) => plain(status, undefined),
    text: (status, body) => plain(status, body, 'text/plain; charset=utf-8'),
    stream: (contentType) => {
      started = true;
      return hijacked(socket, contentType);
    },
    get started() {
      return started;
    },
    gone,
  };
}
