import type { Client, Connection } from '@temporalio/client';
import { codecDataConverter } from '../codec/load';
import { getConfig } from '../config';
import { unreachable } from './errors';

/** Where the CLI talks to: a Temporal client and the task queue the container-saga workers poll. */
export interface Session {
  client: Client;
  connection: Connection;
  address: string;
  namespace: string;
  taskQueue: string;
}

export interface SessionSettings {
  address: string;
  namespace: string;
  taskQueue: string;
}

/** The Temporal profile overridden by TEMPORAL_* (config/temporal-connection.ts) and CONTAINER_SAGA_TASK_QUEUE. */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): SessionSettings {
  const { address, namespace, taskQueue } = getConfig(env);
  return { address, namespace, taskQueue };
}

/**
 * Connects to Temporal as the environment says; a refused connection fails at once (a silent address after 10 s),
 * naming the address and the fix.
 */
export async function connect(env: NodeJS.ProcessEnv = process.env): Promise<Session> {
  const config = getConfig(env);
  const { connectionOptions, tls } = config.temporal;
  const settings: SessionSettings = {
    address: config.address,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
  };
  // The payload codec first: a key file that is missing or malformed fails before anything is sent.
  const dataConverter = codecDataConverter(env);
  // Required on the first connection, not imported: the Temporal client is most of a command's start-up (see
  // toCliError), and --version, --help and usage errors never connect.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client, Connection } = require('@temporalio/client') as typeof import('@temporalio/client');
  let connection: Connection;
  try {
    connection = await Connection.connect(connectionOptions);
  } catch (err) {
    // Over TLS the cause (a certificate, an API key) says more than the dev server hint.
    throw unreachable(settings.address, tls === 'off' ? undefined : err);
  }
  return { ...settings, client: new Client({ connection, namespace: settings.namespace, dataConverter }), connection };
}
