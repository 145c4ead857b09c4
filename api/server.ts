import http from 'node:http';
import type { Duplex } from 'node:stream';
import { isDockerError, toApiError } from './errors';
import { readBody, readUpgradeBody } from './http';
import { httpResponder, socketResponder, type Responder } from './responder';
import { apiRequest, type ApiContext, type Router } from './router';
import { API_VERSION } from './version';

/** One answered request, for metrics: the route template (`/containers/{id}/start`), or `unmatched`. */
export interface RequestObservation {
  route: string;
  method: string;
  status: number;
  ms: number;
}
export type RequestObserver = (o: RequestObservation) => void;

/**
 * The Engine API's HTTP server: routes each request, answers failures with Docker's status and
 * `{"message": …}`, and serves requests that ask to take over their connection (attach, exec start) on the
 * same routes. Every answer carries Docker's identification headers, so clients negotiate the version.
 */
export function createApiServer(
  ctx: ApiContext,
  router: Router,
  onError: (err: unknown) => void = () => undefined,
  observe?: RequestObserver,
): http.Server {
  const server = http.createServer({ keepAliveTimeout: 60_000 });

  const serve = async (
    req: http.IncomingMessage,
    out: Responder,
    body: () => Promise<Buffer>,
    seen: { route: string } = { route: '' },
  ) => {
    try {
      const m = router.match(req.method ?? 'GET', req.url ?? '/');
      seen.route = m.route.path;
      await m.route.handler(ctx, apiRequest(req, m, body), out);
    } catch (err) {
      const e = toApiError(err, ctx.address);
      // Docker's errors (ours or the workflows', a failed saga included) are answers, not the server's faults.
      if (e.status >= 500 && !isDockerError(err, ctx.address)) onError(err);
      if (!out.started) out.json(e.status, { message: e.message });
    }
  };

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    setIdentity(res);
    const out = httpResponder(res);
    const seen = { route: 'unmatched' };
    const began = performance.now();
    if (observe)
      res.once('close', () =>
        observe({
          route: seen.route,
          method: req.method ?? 'GET',
          status: res.statusCode,
          ms: performance.now() - began,
        }),
      );
    void serve(req, out, () => readBody(req), seen).finally(() => {
      // A handler that answered nothing (a bug) must not leave the client hanging.
      if (!out.started) out.json(500, { message: 'no answer' });
    });
  });

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined); // a client that vanishes mid-stream is not the server's error
    const seen = { route: 'unmatched', status: 0 };
    const began = performance.now();
    const out = withStatus(socketResponder(socket), seen);
    if (observe)
      socket.once('close', () =>
        observe({ route: seen.route, method: req.method ?? 'GET', status: seen.status, ms: performance.now() - began }),
      );
    void serve(req, out, () => readUpgradeBody(req, socket, head), seen);
  });

  server.on('clientError', (_err, socket) => {
    const body = '{"message":"malformed HTTP request"}';
    if (socket.writable)
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      );
  });
  return server;
}

/** The responder, noting the status it answers with (101 for a stream on an upgraded connection). */
function withStatus(out: Responder, seen: { status: number }): Responder {
  return {
    json: (status, body) => ((seen.status = status), out.json(status, body)),
    empty: (status) => ((seen.status = status), out.empty(status)),
    text: (status, body) => ((seen.status = status), out.text(status, body)),
    stream: (contentType) => ((seen.status = 101), out.stream(contentType)),
    get started() {
      return out.started;
    },
    gone: out.gone,
  };
}

function setIdentity(res: http.ServerResponse): void {
  res.setHeader('Api-Version', API_VERSION);
  res.setHeader('Docker-Experimental', 'false');
  res.setHeader('Ostype', 'linux');
  res.setHeader('Server', `container-saga (linux)`);
}
