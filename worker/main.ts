import { NativeConnection, Runtime } from '@temporalio/worker';
import { getConfig } from '../config';
import { startApi, type RunningApi } from '../api/start';
import { installMetricsRuntime } from '../metrics/runtime';
import { selectRuntime } from '../runtime/select';
import { createWorker } from './create';
import { describeGc, reconcileAtStartup } from './reconcile';
import { ensureSearchAttributes } from './search-attributes';

/** `npm run worker`: connect, pick the driver, run until SIGINT/SIGTERM, close the connection. */
async function main(): Promise<void> {
  const config = getConfig();
  const { runtime, reason } = await selectRuntime(config.driver, config.root);
  console.log(`container-saga worker: driver ${runtime.kind} (${reason})`);
  console.log(`  state root ${config.root}; Temporal ${config.address} namespace ${config.namespace}; task queue ${config.taskQueue}`);
  // Fault injection is a test feature: the plan and the container label work only with ALLOW_FAULTS=1.
  const faults = config.allowFaults ? { plan: config.faults } : undefined;
  if (faults) console.log(`  fault injection on${config.faults ? `, plan: ${config.faults}` : ' (labels only)'}`);
  else if (config.faults) console.warn('  CONTAINER_SAGA_FAULTS ignored: fault injection needs CONTAINER_SAGA_ALLOW_FAULTS=1');
  // CONTAINER_SAGA_METRICS: the Runtime with its Prometheus exporter, before any connection uses the default one.
  const metrics = config.metrics;
  if (metrics) {
    installMetricsRuntime(metrics);
    console.log(`  metrics on http://${metrics.bindAddress}/metrics`);
  }
  const connection = await NativeConnection.connect({ address: config.address });
  try {
    const registered = await ensureSearchAttributes(connection.operatorService, config.namespace);
    if (registered.length > 0) console.log(`  registered search attributes ${registered.join(', ')} in namespace ${config.namespace}`);
    const worker = await createWorker({
      connection,
      namespace: config.namespace,
      taskQueue: config.taskQueue,
      runtime,
      faults,
      metrics: metrics !== undefined,
      // A prebuilt bundle (tests that restart workers many times) skips bundling at start-up.
      ...(config.workflowBundlePath ? { workflowBundle: { codePath: config.workflowBundlePath } } : {}),
    });
    console.log('  ready');
    const running = worker.run();
    // CONTAINER_SAGA_API=1: one process serves the Engine API too (a Temporal client like any other).
    let api: RunningApi | undefined;
    if (config.apiInWorker) {
      api = await startApi({
        onError: (err) => console.error(`  api: ${err instanceof Error ? err.stack : String(err)}`),
        ...(metrics ? { metrics: Runtime.instance().metricMeter } : {}),
      });
      console.log(`  Docker Engine API on unix://${api.socketPath}${api.tcp ? ` and tcp://${api.tcp.host}:${api.tcp.port}` : ''}`);
      void running.finally(() => api?.close());
    }
    if (config.reconcile) {
      reconcileAtStartup(connection, config.namespace, config.taskQueue).then(
        (r) => console.log(`  start-up reconcile: ${describeGc(r)}`),
        (err: unknown) => console.error(`  start-up reconcile failed: ${err instanceof Error ? err.message : String(err)}`),
      );
    }
    await running;
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(`container-saga worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
