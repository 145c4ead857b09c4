import { timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { PayloadCodec } from '@temporalio/common';
import { MalformedPayloads, payloadsFromJson, payloadsToJson } from './payloads-json';

/**
 * The codec server: Temporal's codec server protocol (POST …/encode and POST …/decode, Payloads JSON in and
 * out, X-Namespace header), which the Web UI (its Codec Server setting) and the `temporal` CLI (its profile's
 * codec endpoint) call to show payloads decoded. Only the last path segment picks the operation, as the protocol asks.
 *
 * Who may use it: whoever knows the secret token, given either as the first path segment (the dev server's
 * UI has no login and sends no credentials, so the endpoint URL it is configured with carries the token) or
 * as `Authorization: Bearer <token>` (scripts, `temporal --codec-auth`). No token → 401, a wrong one → 403.
 * Browsers may call it only from the configured Web UI origins (CORS); a request from another origin → 403.
 */

export interface CodecServerOptions {
  codec: PayloadCodec;
  token: string;
  /** Web UI origins allowed to call it from a browser, e.g. http://localhost:8233 */
  origins: readonly string[];
  /** unexpected errors (bugs), for the process's log */
  onError?: (err: unknown) => void;
}

/** Bodies larger than this are refused (413): the UI decodes one event's payloads at a time. */
export const MAX_CODEC_BODY_BYTES = 8 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sameSecret(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The operation a path asks for, after checking the token; throws 401/403/404. */
function authorise(req: IncomingMessage, token: string): 'encode' | 'decode' {
  const segments = new URL(req.url ?? '/', 'http://codec').pathname.split('/').filter(Boolean);
  const op = segments.at(-1);
  const auth = req.headers.authorization;
  const bearer = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : undefined;
  const inPath = segments.length >= 2 ? segments[0] : undefined;
  if (bearer === undefined && inPath === undefined)
    throw new HttpError(
      401,
      'a token is required: the endpoint is http://HOST:PORT/<token>, or send Authorization: Bearer <token>',
    );
  if (
    !(bearer !== undefined && sameSecret(bearer, token)) &&
    !(inPath !== undefined && sameSecret(decodeURIComponent(inPath), token))
  ) {
    throw new HttpError(403, 'wrong codec server token');
  }
  if (op !== 'encode' && op !== 'decode')
    throw new HttpError(404, 'the codec server answers POST …/encode and POST …/decode');
  return op;
}

async function readBody(req: IncomingMessage): Promise<string> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_CODEC_BODY_BYTES) throw new HttpError(413, 'body too large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_CODEC_BODY_BYTES) throw new HttpError(413, 'body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

/** CORS for an allowed browser origin; false when a browser calls from an origin that is not allowed. */
function allowOrigin(req: IncomingMessage, res: ServerResponse, origins: readonly string[]): boolean {
  const origin = req.headers.origin;
  res.setHeader('Vary', 'Origin');
  if (origin === undefined) return true; // not a browser's cross-origin call (curl, temporal CLI)
  if (!origins.includes(origin)) return false;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  return true;
}

export function createCodecServer(opts: CodecServerOptions): http.Server {
  return http.createServer((req, res) => {
    void (async () => {
      try {
        if (!allowOrigin(req, res, opts.origins))
          throw new HttpError(403, `origin ${req.headers.origin} is not allowed (CONTAINER_SAGA_CODEC_ORIGINS)`);
        if (req.method === 'OPTIONS') {
          // The preflight carries no credentials: it only learns what the real request may send.
          res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
          res.setHeader(
            'Access-Control-Allow-Headers',
            req.headers['access-control-request-headers'] ?? 'Content-Type, X-Namespace, Authorization',
          );
          if (req.headers['access-control-request-private-network'] === 'true')
            res.setHeader('Access-Control-Allow-Private-Network', 'true');
          res.setHeader('Access-Control-Max-Age', '600');
          return send(res, 204);
        }
        const op = authorise(req, opts.token);
        if (req.method !== 'POST') {
          res.setHeader('Allow', 'POST, OPTIONS');
          throw new HttpError(405, `${op} takes POST`);
        }
        const payloads = payloadsFromJson(await readBody(req));
        let out;
        try {
          out = op === 'encode' ? await opts.codec.encode(payloads) : await opts.codec.decode(payloads);
        } catch (err) {
          // The protocol's answer to a codec error (an unknown key ID, a tampered payload) is 400.
          throw new HttpError(400, (err as Error).message);
        }
        send(res, 200, payloadsToJson(out));
      } catch (err) {
        if (err instanceof HttpError) return send(res, err.status, { message: err.message });
        if (err instanceof MalformedPayloads) return send(res, 400, { message: err.message });
        opts.onError?.(err);
        if (!res.headersSent) send(res, 500, { message: 'internal error' });
        else res.destroy();
      }
    })();
  });
}

export interface RunningCodecServer {
  /** http://host:port */
  url: string;
  /** the endpoint to give the Web UI and the `temporal` CLI (a secret: never on a command line): url/<token> */
  endpoint: string;
  close(): Promise<void>;
}

/** Starts the codec server on host:port (port 0: a free one). */
export async function startCodecServer(
  opts: CodecServerOptions & { host: string; port: number },
): Promise<RunningCodecServer> {
  const server = createCodecServer(opts);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as { port: number };
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${host}:${port}`;
  return {
    url,
    endpoint: `${url}/${encodeURIComponent(opts.token)}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
