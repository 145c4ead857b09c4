import type http from 'node:http';
import type { MetricMeter } from '@temporalio/common';
import { connect, type Session } from '../client/connection';
import { getConfig } from '../config';
import { SOCKET_HOSTS } from './guard';
import { defaultLimits } from './limits';
import { listenOnSocket, listenOnTcp } from './listen';
import { apiRequestMetrics } from '../metrics/api';
import { engineRouter } from './routes';
import { createApiServer } from './server';
import { groupId } from './socket-dir';
import { loadApiTls } from './tls';

export interface RunningApi {
  /** the unix socket it listens on */
  socketPath: string;
  /** the TCP address, when it listens on one; `tls` false only with CONTAINER_SAGA_API_TCP_INSECURE=1 */
  tcp?: { host: string; port: number; tls: boolean };
  close(): Promise<void>;
}

export interface ApiOptions {
  env?: NodeJS.ProcessEnv;
  /** overrides CONTAINER_SAGA_API_SOCKET */
  socketPath?: string;
  /** called with unexpected errors (bugs), for the process's log */
  onError?: (err: unknown) => void;
  /** called with warnings for the operator (plain HTTP on TCP); default console.warn */
  onWarning?: (message: string) => void;
  /** the SDK Runtime's meter, when the process exports metrics (CONTAINER_SAGA_METRICS): request counts and latency */
  metrics?: MetricMeter;
}

/**
 * Starts the Docker Engine API: a Temporal client (connected on first use and kept warm) behind a unix
 * socket and, with CONTAINER_SAGA_API_TCP, a TCP port that requires TLS client certificates. Used by
 * `npm run api` and by the worker with CONTAINER_SAGA_API=1. Its settings are all read and checked
 * (group, TLS files) before it listens anywhere.
 */
export async function startApi(opts: ApiOptions = {}): Promise<RunningApi> {
  const env = opts.env ?? process.env;
  const config = getConfig(env);
  const tcp = config.apiTcp;
  const settings = config.apiServer;
  const gid = settings.group !== undefined ? await groupId(settings.group) : undefined;
  const tls = tcp?.tls ? await loadApiTls(tcp.tls) : undefined;
  const limits = defaultLimits(settings.maxStreams);
  let session: Promise<Session> | undefined;
  const ctx = {
    address: config.address,
    ...machineOf(config),
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
    const unix = createApiServer(ctx, router, opts.onError, observe, { limits, names: [...SOCKET_HOSTS, socketPath] });
    servers.push(unix);
    await listenOnSocket(unix, socketPath, gid !== undefined ? { gid } : {});
    if (tcp) {
      const names = [tcp.host.toLowerCase(), ...(tls?.names ?? [])];
      const server = createApiServer(ctx, router, opts.onError, observe, {
        limits,
        names,
        ...(tls ? { tls: tls.options } : {}),
      });
      servers.push(server);
      await listenOnTcp(server, tcp.host, tcp.port);
      if (!tls)
        (opts.onWarning ?? console.warn)(
          `WARNING: CONTAINER_SAGA_API_TCP_INSECURE=1: the Engine API on tcp://${tcp.host}:${tcp.port} has no authentication: every process on this machine, of any user, is root on this host through it`,
        );
    }
    return {
      socketPath,
      ...(tcp ? { tcp: { host: tcp.host, port: tcp.port, tls: tls !== undefined } } : {}),
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

/** The host and state root a worker on this machine would have (api/routes/image-archive.ts spools there). */
function machineOf(config: ReturnType<typeof getConfig>): { machine?: { host: string; root: string } } {
  try {
    return { machine: { host: config.host, root: config.root } };
  } catch {
    return {}; // an invalid CONTAINER_SAGA_HOST: save and load say why they cannot run
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
