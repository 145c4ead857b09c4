import type http from 'node:http';
import type { MetricMeter } from '@temporalio/common';
import { connect, type Session } from '../client/connection';
import { getConfig } from '../config';
import { listenOnSocket, listenOnTcp } from './listen';
import { apiRequestMetrics } from '../metrics/api';
import { engineRouter } from './routes';
import { createApiServer } from './server';

export interface RunningApi {
  /** the unix socket it listens on */
  socketPath: string;
  /** the loopback TCP address, when it listens on one */
  tcp?: { host: string; port: number };
  close(): Promise<void>;
}

export interface ApiOptions {
  env?: NodeJS.ProcessEnv;
  /** overrides CONTAINER_SAGA_API_SOCKET */
  socketPath?: string;
  /** called with unexpected errors (bugs), for the process's log */
  onError?: (err: unknown) => void;
  /** the SDK Runtime's meter, when the process exports metrics (CONTAINER_SAGA_METRICS): request counts and latency */
  metrics?: MetricMeter;
}

/**
 * Starts the Docker Engine API: a Temporal client (connected on first use and kept warm) behind a unix
 * socket and, with CONTAINER_SAGA_API_TCP, a loopback port. Used by `npm run api` and by the worker with
 * CONTAINER_SAGA_API=1.
 */
export async function startApi(opts: ApiOptions = {}): Promise<RunningApi> {
  const env = opts.env ?? process.env;
  const config = getConfig(env);
  let session: Promise<Session> | undefined;
  const ctx = {
    address: config.address,
    session: () => {
      // A failed connection is not kept: the next request tries again (Temporal may come up later).
      session ??= connect(env).catch((err: unknown) => {
        session = undefined;
        throw err;
      });
      return session;
    },
  };
  const router = engineRouter();
  const observe = opts.metrics ? apiRequestMetrics(opts.metrics) : undefined;
  const servers: http.Server[] = [];
  const socketPath = opts.socketPath ?? config.apiSocket;
  try {
    const unix = createApiServer(ctx, router, opts.onError, observe);
    servers.push(unix);
    await listenOnSocket(unix, socketPath);
    const tcp = config.apiTcp;
    if (tcp) {
      const server = createApiServer(ctx, router, opts.onError, observe);
      servers.push(server);
      await listenOnTcp(server, tcp.host, tcp.port);
    }
    return {
      socketPath,
      ...(tcp ? { tcp } : {}),
      close: async () => {
        await Promise.all(servers.map((s) => closeServer(s)));
        if (session) await (await session.catch(() => undefined))?.connection.close();
      },
    };
  } catch (err) {
    await Promise.all(servers.map((s) => closeServer(s)));
    throw err;
  }
}

/** Stops listening and ends open connections (followers of logs and events would keep it open forever). */
function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
