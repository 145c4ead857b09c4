import type { IncomingMessage } from 'node:http';
import { hostOnly, isLoopbackHost } from '../common/loopback';
import { ApiError, badRequest } from './http';

/**
 * Refuses what a web page can make a browser send, so a page the user visits cannot drive the API (CSRF), nor
 * reach it under a name of its own that resolves to this host (DNS rebinding). Docker's own clients send
 * none of what is refused here.
 */

/**
 * The Host values Docker's clients send over a unix socket: the docker CLI (20.10 `docker`, 23+
 * `api.moby.localhost`), docker-py, dockerode and curl (`localhost`). The unix listener adds its own path.
 */
export const SOCKET_HOSTS: readonly string[] = ['docker', 'api.moby.localhost', 'localhost'];

/**
 * Whether a request may be served, given the host names this listener answers to besides loopback; an
 * ApiError (403) naming what was refused otherwise. A request without Host (HTTP/1.0) or with an empty one
 * (the docker CLI 20.10's attach and exec start over a unix socket) is not a browser's: browsers always
 * send the name they dialled.
 */
export function refuseBrowsers(req: IncomingMessage, names: ReadonlySet<string>): ApiError | undefined {
  const origin = req.headers.origin;
  if (origin !== undefined)
    return new ApiError(
      403,
      `request refused: it comes from a web page (Origin: ${origin.slice(0, 200)}); the Engine API is root on this host and answers no browser`,
    );
  if (req.headers['sec-fetch-mode'] !== undefined || req.headers['sec-fetch-site'] !== undefined)
    return new ApiError(403, 'request refused: it comes from a web browser (Sec-Fetch headers)');
  const host = req.headers.host === undefined ? undefined : hostOnly(req.headers.host);
  if (
    host !== undefined &&
    host !== '' &&
    !isLoopbackHost(host) &&
    !names.has(host) &&
    !names.has(req.headers.host ?? '')
  )
    return new ApiError(
      403,
      `request refused: Host "${host.slice(0, 200)}" is not this server's name (loopback, ${[...names].join(', ')}): a DNS rebinding page?`,
    );
  return undefined;
}

const TOKEN = "[!#$%&'*+.^_`|~0-9a-z-]+";
const MEDIA_TYPE = new RegExp(`^(${TOKEN}/${TOKEN})\\s*(;.*)?$`);

/**
 * moby's CheckForJSON for endpoints that take a JSON body: a body must come as application/json (parameters
 * such as charset allowed). Forms (text/plain, urlencoded, multipart) are what a page can post without
 * asking the server first, so they are the ones this refuses. An empty body passes whatever its type, as in
 * moby, whose handlers check only bodies with content: the docker CLI labels its empty POSTs text/plain.
 */
export function checkJsonContentType(req: IncomingMessage, body: Buffer): void {
  if (body.length === 0) return;
  const ct = req.headers['content-type'] ?? '';
  const m = MEDIA_TYPE.exec(ct.trim().toLowerCase());
  if (!m)
    throw badRequest(
      `malformed Content-Type header (${ct}): mime: ${ct === '' ? 'no media type' : 'invalid media type'}`,
    );
  if (m[1] !== 'application/json')
    throw badRequest(`unsupported Content-Type header (${ct}): must be 'application/json'`);
}
