import type { IncomingMessage } from 'node:http';
import type { Session } from '../client/connection';
import { checkJsonContentType } from './guard';
import { badRequest, notFound, ApiError, parseJsonObject } from './http';
import type { Responder } from './responder';
import { API_VERSION, MIN_API_VERSION } from './version';

/**
 * The Engine API's routes: Docker's paths with or without the `/v1.xx` prefix, matched by method and path
 * template (`/containers/{id}/start`). A path in one of Docker's API families that has no route here is
 * a 501 naming the endpoint; anything else is Docker's 404 "page not found".
 */

export interface ApiContext {
  /** the Temporal session, opened on first use and kept warm */
  session(): Promise<Session>;
  /** the Temporal address, for error messages */
  readonly address: string;
  /**
   * The worker host this API shares a machine with (CONTAINER_SAGA_HOST and CONTAINER_SAGA_ROOT as a worker
   * there has them): save and load spool archives under its state root. Undefined when they are not valid.
   */
  readonly machine?: { host: string; root: string };
}

export interface ApiRequest {
  readonly method: string;
  /** the path without the version prefix */
  readonly path: string;
  /** the API version the client asked for (the prefix), or the newest one */
  readonly version: string;
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  readonly raw: IncomingMessage;
  /** the body, read once, at most MAX_BODY_BYTES */
  body(): Promise<Buffer>;
  /** the body as a JSON object (empty body: `{}`); a Content-Type but application/json is a 400 (CheckForJSON) */
  json(): Promise<Record<string, unknown>>;
}

export type Handler = (ctx: ApiContext, r: ApiRequest, out: Responder) => Promise<void>;

export interface Route {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  handler: Handler;
}

interface Compiled extends Route {
  re: RegExp;
  names: string[];
}

/** Docker's API families: a path under one of these that is not routed is "not implemented", not "not found". */
const DOCKER_FAMILIES =
  /^\/(containers|images|networks|volumes|exec|swarm|nodes|services|tasks|secrets|configs|plugins|system|build|session|distribution|commit|auth|info|version|events|_ping|grpc)(\/|$)/;

export class Router {
  private readonly routes: Compiled[] = [];

  add(...routes: Route[]): this {
    for (const route of routes) {
      const names: string[] = [];
      const pattern = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
        names.push(name);
        return name === 'image' ? '(.+?)' : '([^/]+)'; // image names may hold slashes (library/busybox)
      });
      this.routes.push({ ...route, re: new RegExp(`^${pattern}$`), names });
    }
    return this;
  }

  /**
   * The route for a request, with its parameters; throws Docker's answer when there is none. A version
   * prefix newer than API_VERSION is refused as Docker refuses it.
   */
  match(
    method: string,
    url: string,
  ): { route: Route; params: Record<string, string>; path: string; version: string; query: URLSearchParams } {
    const parsed = requestTarget(url);
    let path = parsed.pathname.replace(/\/+$/, '') || '/';
    let version = API_VERSION;
    const prefixed = /^\/v(\d+\.\d+)(\/.*)$/.exec(path);
    if (prefixed) {
      version = prefixed[1]!;
      path = prefixed[2]!;
      if (compareVersions(version, API_VERSION) > 0)
        throw badRequest(`client version ${version} is too new. Maximum supported API version is ${API_VERSION}`);
      if (compareVersions(version, MIN_API_VERSION) < 0) {
        throw badRequest(
          `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
        );
      }
    }
    const wanted = method === 'HEAD' ? ['HEAD', 'GET'] : [method];
    let pathMatched = false;
    for (const m of wanted) {
      for (const route of this.routes) {
        const found = route.re.exec(path);
        if (!found) continue;
        pathMatched = true;
        if (route.method !== m) continue;
        const params: Record<string, string> = {};
        route.names.forEach((name, i) => (params[name] = decodeParam(found[i + 1]!)));
        return { route, params, path, version, query: parsed.searchParams };
      }
    }
    // "not supported" is what Docker's client looks for to try the next object type (`docker inspect X`
    if (pathMatched || DOCKER_FAMILIES.test(path))
      // asks for a container, an image, a network…, and prints "No such object" after the last).
      throw new ApiError(
        501,
        `${method} ${path} is not supported by container-saga (Docker Engine API endpoint not implemented)`,
      );
    throw notFound('page not found');
  }
}

function decodeParam(s: string): string {
  let v: string;
  try {
    v = decodeURIComponent(s);
  } catch {
    throw badRequest(`invalid path parameter "${s}"`);
  }
  // No name, ID or image holds a NUL: refused before any workflow sees it (names are checked by create).
  if (v.includes('\0')) throw badRequest('invalid path parameter: NUL byte');
  return v;
}

export function compareVersions(a: string, b: string): number {
  const [a1, a2] = a.split('.').map(Number) as [number, number];
  const [b1, b2] = b.split('.').map(Number) as [number, number];
  return a1 !== b1 ? a1 - b1 : a2 - b2;
}

/** An ApiRequest over a Node request; `readBody` reads its body (from the socket, for an upgraded request). */
export function apiRequest(
  raw: IncomingMessage,
  m: { params: Record<string, string>; path: string; version: string; query: URLSearchParams },
  readBody: () => Promise<Buffer>,
): ApiRequest {
  let body: Promise<Buffer> | undefined;
  const read = () => (body ??= readBody());
  return {
    method: raw.method ?? 'GET',
    path: m.path,
    version: m.version,
    params: m.params,
    query: m.query,
    raw,
    body: read,
    json: async () => {
      const body = await read();
      checkJsonContentType(raw, body);
      return parseJsonObject(body);
    },
  };
}

/**
 * The request target as Go's server reads it: a path, never an authority (`//containers/json` is the path
 * //containers/json, where `new URL(url, base)` would read a host); one that is not a URL at all is a 400.
 */
function requestTarget(url: string): URL {
  try {
    return url.startsWith('/') ? new URL(`http://docker${url}`) : new URL(url, 'http://docker');
  } catch {
    throw badRequest(`invalid request URI ${JSON.stringify(url.slice(0, 200))}`);
  }
}
