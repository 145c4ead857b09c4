import { describeCodec, loadCodec } from '../codec/load';
import { getConfig } from '../config';
import { describeTemporalConnection } from '../config/temporal-connection';
import { startApi } from './start';

/**
 * `npm run api`: the Docker Engine API for container-saga, so Docker's own clients work unchanged:
 *   DOCKER_HOST=unix:///run/container-saga/docker.sock docker start web
 * It is a Temporal client like the CLI (the Temporal profile and TEMPORAL_* variables, CONTAINER_SAGA_TASK_QUEUE), so
 * it runs on any host that reaches Temporal; the worker may serve it too (CONTAINER_SAGA_API=1).
 */
async function main(): Promise<void> {
  const config = getConfig();
  // The key file first: without one the API would send plaintext, which workers refuse (its session connects lazily).
  const codec = describeCodec(loadCodec());
  // CONTAINER_SAGA_METRICS: the SDK's Runtime serves /metrics here too. Loaded only then (@temporalio/worker
  // costs ~1.5 s and ~15 MB); a require, since tsx's CommonJS hook does not resolve a dynamic import().
  const metricsAt = config.metrics;
  const metrics = metricsAt
    ? // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require('../metrics/runtime') as typeof import('../metrics/runtime')).installMetricsRuntime(metricsAt)
        .metricMeter
    : undefined;
  const api = await startApi({
    onError: (err) => console.error(`api: ${err instanceof Error ? err.stack : String(err)}`),
    ...(metrics ? { metrics } : {}),
  });
  console.log(
    `container-saga Engine API on unix://${api.socketPath}${api.tcp ? ` and tcp://${api.tcp.host}:${api.tcp.port}${api.tcp.tls ? ' (TLS, client certificates required)' : ''}` : ''} → ${describeTemporalConnection(config.temporal)}, task queue ${config.taskQueue}`,
  );
  console.log(`  ${codec}`);
  if (metricsAt) console.log(`  metrics on http://${metricsAt.bindAddress}/metrics`);
  console.log(
    `  export DOCKER_HOST=unix://${api.socketPath}   # write access to this socket is root access to this host`,
  );
  const stop = () => {
    void api.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`api: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
