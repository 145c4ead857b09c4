import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';
import { isDockerError, toApiError } from './errors';
import { refuseBrowsers, SOCKET_HOSTS } from './guard';
import { ApiError, readBody, readUpgradeBody } from './http';
import { defaultLimits, type ServerLimits } from './limits';
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

/** How one listener serves: plain HTTP (the unix socket) or TLS with client certificates (TCP), and its names. */
export interface ListenerOptions {
  /** TLS options (api/tls.ts); plain HTTP when absent */
  tls?: tls.TlsOptions;
  /** the Host names it answers to besides loopback (default: what Docker's clients send over a unix socket) */
  names?: readonly string[];
  /** timeouts and caps (api/limits.ts); shared with the other listener for the stream count */
  limits?: ServerLimits;
}

/**
 * The Engine API's HTTP server: routes each request, answers failures with Docker's status and
 * `{"message": …}`, and serves requests that ask to take over their connection (attach, exec start) on the
 * same routes. Every answer carries Docker's identification headers, so clients negotiate the version.
 * Browsers' requests are refused (api/guard.ts) and the limits of api/limits.ts hold on every connection.
 */
export function createApiServer(
  ctx: ApiContext,
  router: Router,
  onError: (err: unknown) => void = () => undefined,
  observe?: RequestObserver,
  listener: ListenerOptions = {},
): http.Server {
  const limits = listener.limits ?? defaultLimits();
  const names = new Set(listener.names ?? SOCKET_HOSTS);
  const serverOptions: http.ServerOptions = {
    keepAliveTimeout: 60_000,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // Node checks the two timeouts above only this often (its default, 30 s, would double a slowloris's hold).
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs / 2),
  };
  const server: http.Server = listener.tls
    ? // A handshake must finish as fast as headers must (tls.Server's default holds a silent client 120 s).
      https.createServer({ ...serverOptions, ...listener.tls, handshakeTimeout: limits.headersTimeoutMs })
    : http.createServer(serverOptions);
  server.maxConnections = limits.maxConnections;

  const serve = async (
    req: http.IncomingMessage,
    out: Responder,
    body: () => Promise<Buffer>,
    seen: { route: string } = { route: '' },
  ) => {
    try {
      const refused = refuseBrowsers(req, names);
      if (refused) throw refused;
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
    const seen = { route: 'unmatched' };
    const began = performance.now();
    const out = limited(httpResponder(res), limits);
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

  // Connections taken over (attach, exec) are no longer the HTTP server's: closing all of them ends these too
  // (an interactive session whose client only half-closed waits for its process, as Docker's does).
  const upgraded = new Set<Duplex>();
  const closeHttp = server.closeAllConnections.bind(server);
  server.closeAllConnections = () => {
    closeHttp();
    for (const s of upgraded) s.destroy();
  };
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined); // a client that vanishes mid-stream is not the server's error
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    const seen = { route: 'unmatched', status: 0 };
    const began = performance.now();
    const out = withStatus(limited(socketResponder(socket), limits), seen);
    if (observe)
      socket.once('close', () =>
        observe({ route: seen.route, method: req.method ?? 'GET', status: seen.status, ms: performance.now() - began }),
      );
    void serve(req, out, () => readUpgradeBody(req, socket, head, limits.upgradeBodyIdleMs), seen);
  });

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // https sends TLS failures here too (a handshake timed out, a refused certificate): nothing to answer in HTTP.
    if (err.code?.startsWith('ERR_TLS') || err.code?.startsWith('ERR_SSL')) return void socket.destroy();
    // Headers (or a plain request's body) not complete within the limits: 408, then the connection closes.
    const timedOut = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const body = JSON.stringify({ message: timedOut ? 'request timed out' : 'malformed HTTP request' });
    if (socket.writable)
      socket.end(
        `HTTP/1.1 ${timedOut ? '408 Request Timeout' : '400 Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      );
  });
  return server;
}

/**
 * The responder, its stream counted against the limit until the client goes: beyond it, a 503 before the
 * stream starts (an ordinary answer the docker CLI prints).
 */
function limited(out: Responder, limits: ServerLimits): Responder {
  return {
    ...out,
    stream: (contentType) => {
      const release = limits.streams.acquire();
      if (!release)
        throw new ApiError(
          503,
          `too many open streams (${limits.streams.max}, CONTAINER_SAGA_API_MAX_STREAMS): close some attach, exec, logs -f or events clients`,
        );
      void out.gone.then(release);
      return out.stream(contentType);
    },
    get started() {
      return out.started;
    },
  };
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
