import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The Engine API's HTTP vocabulary: Docker's error body (`{"message": …}` with its status), bodies read with
 * a bound, and query values read the way Docker's server reads them.
 */

/** An error the API answers with Docker's status and `{"message": …}` body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string) => new ApiError(400, message);
export const notFound = (message: string) => new ApiError(404, message);
export const conflict = (message: string) => new ApiError(409, message);

/** Bodies larger than this are refused before they are parsed: no container setting needs more. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads a request body of at most MAX_BODY_BYTES; a larger one is a 400 and its connection is closed after the answer.
 */
export async function readBody(req: IncomingMessage, initial: Buffer = Buffer.alloc(0)): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = initial.length > 0 ? [initial] : [];
  let size = initial.length;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const tooLarge = () => badRequest(`request body is larger than ${MAX_BODY_BYTES} bytes`);

/**
 * The body of a request whose connection was taken over (attach, exec start): `head` holds what the parser
 * read past the headers; the rest of Content-Length is read from the socket, which then belongs to the stream.
 */
export async function readUpgradeBody(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  idleMs = 15_000,
): Promise<Buffer> {
  const length = Number(req.headers['content-length'] ?? 0);
  if (!Number.isFinite(length) || length <= 0) return Buffer.alloc(0);
  if (length > MAX_BODY_BYTES) throw tooLarge();
  let buf = head;
  while (buf.length < length) {
    const chunk = await new Promise<Buffer | null | 'idle'>((resolve) => {
      const onData = (c: Buffer) => done(c);
      const onEnd = () => done(null);
      // Node's request timeouts end at the upgrade: a body that stalls is bounded here.
      const timer = setTimeout(() => done('idle'), idleMs);
      const done = (c: Buffer | null | 'idle') => {
        clearTimeout(timer);
        socket.off('data', onData).off('end', onEnd).off('close', onEnd);
        socket.pause();
        resolve(c);
      };
      socket.on('data', onData).once('end', onEnd).once('close', onEnd);
      socket.resume();
    });
    if (chunk === 'idle') throw new ApiError(408, `request body stalled for ${idleMs / 1000} s`);
    if (chunk === null) break;
    buf = Buffer.concat([buf, chunk]);
  }
  return buf.subarray(0, length);
}

/**
 * A JSON object body, as Docker's decoders take it: an empty body is `{}` (the CLI sends none for some
 * calls), anything but a JSON object is a 400 naming the problem.
 */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(`invalid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw badRequest('invalid JSON: the body must be a JSON object');
  return value as Record<string, unknown>;
}

/** Docker's boolean query values: "1", "true", "True" are true; absent, "", "0", "false" are false. */
export function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null || v === '' || v === '0' || v.toLowerCase() === 'false') return false;
  if (v === '1' || v.toLowerCase() === 'true') return true;
  throw badRequest(`invalid value for ${name}: "${v}" (want 1, 0, true or false)`);
}

/** An integer query value, undefined when absent or empty. */
export function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`invalid value for ${name}: "${v}" is not an integer`);
  return Number(v);
}

/**
 * Docker's `filters` parameter: a JSON map of name → values, in either of its two encodings
 * (`{"name":["web"]}` and the older `{"name":{"web":true}}`). Names outside `allowed` are a 400, as Docker's.
 */
export function filtersParam(q: URLSearchParams, allowed: readonly string[]): Map<string, string[]> {
  const raw = q.get('filters');
  const out = new Map<string, string[]>();
  if (raw === null || raw === '') return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw badRequest(`invalid filter '${raw}'`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw badRequest(`invalid filter '${raw}'`);
  for (const [name, values] of Object.entries(parsed as Record<string, unknown>)) {
    if (!allowed.includes(name)) throw badRequest(`invalid filter '${name}'`);
    let list: unknown[];
    if (Array.isArray(values)) list = values;
    else if (typeof values === 'object' && values !== null)
      list = Object.entries(values)
        .filter(([, on]) => on === true)
        .map(([k]) => k);
    else throw badRequest(`invalid filter '${name}'`);
    if (!list.every((v): v is string => typeof v === 'string')) throw badRequest(`invalid filter '${name}'`);
    out.set(name, list);
  }
  return out;
}

/** A JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** An answer without a body (204 No Content, 304 Not Modified). */
export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}

/** Docker's error answer. */
export function sendError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    // A stream already started: nothing can be said any more but ending it.
    res.destroy();
    return;
  }
  sendJson(res, status, { message });
}
