import { NativeConnection, Runtime } from '@temporalio/worker';
import { createdKeyFileHelp, dataConverterOf, describeCodec, loadCodec } from '../codec/load';
import { getConfig } from '../config';
import { describeTemporalConnection } from '../config/temporal-connection';
import { describeWorkerTuning } from '../config/worker-tuning';
import type { RunningApi } from '../api/start';
import { installMetricsRuntime } from '../metrics/runtime';
import { runtimeConfigOf, selectRuntime } from '../runtime/select';
import { hostTaskQueue } from '../common/hosts-api';
import { createWorker } from './create';
import { claimStateRoot } from './host-root';
import { WorkerLogger } from './logger';
import { describeGc, reconcileAtStartup } from './reconcile';
import { handleShutdownSignals, seconds } from './shutdown';
import { ensureSearchAttributes } from './search-attributes';
import { migrateLegacyImages } from '../images/legacy';

/**
 * `npm run worker`: connect, pick the driver, run until SIGINT/SIGTERM (graceful: worker/shutdown.ts), close the
 * connection.
 */
async function main(): Promise<void> {
  const config = getConfig();
  // Read before anything starts, so a bad profile or variable stops the worker with its name.
  const { temporal, workerTuning, shutdownGraceMs } = config;
  const host = config.host;
  const runtimeConfig = runtimeConfigOf(config);
  await claimStateRoot(config.root, host);
  const { runtime, reason } = await selectRuntime(config.driver, config.root, runtimeConfig);
  console.log(`container-saga worker: host ${host}, driver ${runtime.kind} (${reason})`);
  const migrated = await migrateLegacyImages(config.root, runtime.images);
  if (migrated.length > 0) console.log(`  images moved to layered storage: ${migrated.join(', ')}`);
  const remap = runtimeConfig.usernsRemap;
  if (remap)
    console.log(`  user namespaces: container root is host uid ${remap.uid}, gid ${remap.gid} (${remap.size} IDs)`);
  console.log(
    `  state root ${config.root}; task queues ${config.taskQueue} and ${hostTaskQueue(config.taskQueue, host)}`,
  );
  console.log(`  ${describeTemporalConnection(temporal)}`);
  console.log(`  ${describeWorkerTuning(workerTuning)}; shutdown grace ${seconds(shutdownGraceMs)}`);
  // Fault injection is a test feature: the plan and the container label work only with ALLOW_FAULTS=1.
  const faults = config.allowFaults ? { plan: config.faults } : undefined;
  if (faults) console.log(`  fault injection on${config.faults ? `, plan: ${config.faults}` : ' (labels only)'}`);
  else if (config.faults)
    console.warn('  CONTAINER_SAGA_FAULTS ignored: fault injection needs CONTAINER_SAGA_ALLOW_FAULTS=1');
  // CONTAINER_SAGA_METRICS: the Runtime with its Prometheus exporter, before any connection uses the default one.
  const metrics = config.metrics;
  const logger = new WorkerLogger(hostTaskQueue(config.taskQueue, host));
  if (metrics) {
    installMetricsRuntime(metrics, logger);
    console.log(`  metrics on http://${metrics.bindAddress}/metrics`);
  } else Runtime.install({ logger });
  // The key file is the credential: created on the first start, then required of every client.
  const codec = loadCodec(process.env, { create: true });
  if (codec.created) for (const line of createdKeyFileHelp(codec.file)) console.log(`  ${line}`);
  console.log(`  ${describeCodec(codec, 'worker')}`);
  const dataConverter = dataConverterOf(codec);
  const connection = await NativeConnection.connect(temporal.connectionOptions).catch((err: unknown) => {
    throw new Error(
      `cannot reach Temporal at ${temporal.address}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
    );
  });
  let api: RunningApi | undefined;
  let apiClosed: Promise<void> | undefined;
  const closeApi = () => (api ? (apiClosed ??= api.close()) : Promise.resolve());
  const draining = new AbortController();
  try {
    const registered = await ensureSearchAttributes(connection.operatorService, config.namespace);
    if (registered.length > 0)
      console.log(`  registered search attributes ${registered.join(', ')} in namespace ${config.namespace}`);
    const worker = await createWorker({
      connection,
      namespace: config.namespace,
      taskQueue: config.taskQueue,
      runtime,
      faults,
      dataConverter,
      metrics: metrics !== undefined,
      // A prebuilt bundle (tests that restart workers many times) skips bundling at start-up.
      ...(config.workflowBundlePath ? { workflowBundle: { codePath: config.workflowBundlePath } } : {}),
      tuning: workerTuning,
      shutdownGraceMs,
      draining: draining.signal,
    });
    const log = (line: string) => console.log(`container-saga worker: ${line}`);
    // At the first signal the Engine API stops taking requests and the waits that only watch end (they go on
    // on another worker), while the steps in flight get the grace to finish.
    const onStop = () => {
      draining.abort();
      void closeApi();
    };
    const shutdown = handleShutdownSignals({ worker, graceMs: shutdownGraceMs, log, onStop });
    const running = worker.run().finally(() => shutdown.dispose());
    // "ready" once the host is registered (both queues polled by then): a create placed right after it finds
    // this host among the live ones, rather than "no live, active host" while its registration is on the way.
    // A failed registration is said, and the worker serves its queues all the same; a worker that stopped
    // first is not ready (its failure comes from `running` below).
    const serving = await Promise.race([
      worker.registered
        .then(
          (r) => console.log(`  registered host ${r.name} (${r.availability})`),
          (err: unknown) =>
            console.error(`  host registration failed: ${err instanceof Error ? err.message : String(err)}`),
        )
        .then(() => true),
      running.then(
        () => false,
        () => false,
      ),
    ]);
    if (serving) console.log('  ready');
    // CONTAINER_SAGA_API=1: one process serves the Engine API too (a Temporal client like any other).
    if (config.apiInWorker) {
      // Loaded only here: a worker without the API does not hold its modules (the resident-size budget).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { startApi } = require('../api/start') as typeof import('../api/start');
      api = await startApi({
        onError: (err) => console.error(`  api: ${err instanceof Error ? err.stack : String(err)}`),
        ...(metrics ? { metrics: Runtime.instance().metricMeter } : {}),
      });
      console.log(
        `  Docker Engine API on unix://${api.socketPath}${api.tcp ? ` and tcp://${api.tcp.host}:${api.tcp.port}` : ''}`,
      );
    }
    if (config.reconcile) {
      reconcileAtStartup(connection, config.namespace, config.taskQueue, host, dataConverter).then(
        (r) => console.log(`  start-up reconcile: ${describeGc(r)}`),
        (err: unknown) =>
          console.error(`  start-up reconcile failed: ${err instanceof Error ? err.message : String(err)}`),
      );
    }
    await running;
    const stopped = shutdown.stopping;
    log(`stopped${stopped ? ` ${seconds(Date.now() - stopped.at)} after ${stopped.signal}` : ''}`);
  } finally {
    await closeApi();
    await connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(`container-saga worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
