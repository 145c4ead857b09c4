import { Client, Connection } from '@temporalio/client';
import { DEFAULT_TASK_QUEUE } from '../common/names';
import { CliError } from './errors';

export interface Session {
  client: Client;
  connection: Connection;
  address: string;
  namespace: string;
  taskQueue: string;
}

/** Connects from TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and CONTAINER_SAGA_TASK_QUEUE. */
export async function connect(env: NodeJS.ProcessEnv = process.env): Promise<Session> {
  const address = env.TEMPORAL_ADDRESS ?? 'localhost:7233';
  const namespace = env.TEMPORAL_NAMESPACE ?? 'default';
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: 3000 });
  } catch {
    throw new CliError(`cannot reach Temporal at ${address} (is \`npm run server\` running?)`, 'Unavailable', 503);
  }
  return { client: new Client({ connection, namespace }), connection, address, namespace, taskQueue: env.CONTAINER_SAGA_TASK_QUEUE ?? DEFAULT_TASK_QUEUE };
}
