/**
 * `npm run demo`: a real container start through the saga, on the embedded dev server.
 * Starts the Temporal dev server (unless one answers at TEMPORAL_ADDRESS) and a worker with the best driver
 * here (Linux as root, else simulated), then creates and starts a busybox container through the saga, shows
 * each step live and the Web UI link, and a second start with an injected failure that compensates.
 * On a terminal it keeps everything up for the Web UI and the CLI until Ctrl-C; otherwise (or with --exit)
 * it removes its containers and stops. Either way its containers are removed before it exits.
 * Payloads are encrypted: the key file is created when there is none (codec/ui-codec.ts), and a dev server the
 * demo starts gets a codec server, whose endpoint it prints for the Web UI's Codec Server setting.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createContainer, imageImport, imageList, remove, startContainer } from '../client/api';
import { dataConverterOf, describeCodec } from '../codec/load';
import type { RunningCodecServer } from '../codec/server';
import { prepareKeyFile, startUiCodecServer } from '../codec/ui-codec';
import { connect } from '../client/connection';
import { CliError } from '../client/errors';
import { color } from '../client/output';
import { progressPrinter } from '../client/progress';
import { startWorkflowId } from '../common/names';
import { releasedFirst } from '../common/steps';
import { getConfig } from '../config';
import { describeTemporalConnection } from '../config/temporal-connection';
import { FAULT_LABEL } from '../runtime/faults';
import { runtimeConfigOf, selectRuntime } from '../runtime/select';
import { createWorker } from '../worker/create';
import { isServerUp, startDevServer, type DevServer } from './dev-server';

/** The compensations as the saga runs them: the process's release first, then the others at once. */
function inRounds(compensations: string[]): string {
  const first = compensations.filter(releasedFirst);
  const rest = compensations.filter((c) => !releasedFirst(c));
  return first.length > 0 && rest.length > 0
    ? `${first.join(', ')}, then at once ${rest.join(', ')}`
    : compensations.join(', ');
}

const say = (s: string) => console.log(s);

async function main(): Promise<void> {
  // The demo's own failure is on purpose: keep the SDK's warnings about it out of the transcript.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const config = getConfig();
  const { address, namespace, taskQueue, root, uiPort } = config;
  const { loaded, created: keyFileCreated } = prepareKeyFile();
  say(`${describeCodec(loaded)}${keyFileCreated ? ' (key file created, mode 0600)' : ''}`);
  let server: DevServer | undefined;
  let codecServer: RunningCodecServer | undefined;
  let uiUrl = `http://localhost:${uiPort}`;
  // The configured Temporal (profile, TLS, API key: config/temporal-connection.ts) when it answers; else a dev
  // server of its own, which only makes sense for a local address without TLS.
  const temporal = config.temporal;
  if (await isServerUp(address, temporal.connectionOptions)) {
    say(`Temporal server already up at ${address}`);
  } else if (temporal.tls !== 'off') {
    throw new Error(
      `cannot reach ${describeTemporalConnection(temporal)}; the demo starts a dev server of its own only without TLS`,
    );
  } else {
    const port = Number(address.split(':').pop());
    codecServer = await startUiCodecServer(config, loaded);
    server = await startDevServer({
      port,
      uiPort,
      dbFile: path.join(root, 'temporal', 'temporal.db'),
      namespace,
    });
    uiUrl = server.uiUrl ?? uiUrl;
    say(`Temporal dev server started at ${server.address}, Web UI ${uiUrl}`);
    // The endpoint holds the codec server's token: for the operator's browser only (scripts/dev-server.ts says why)
    say(`  payloads decoded in the UI: Codec Server (top right) → "Use my browser setting" → ${codecServer.endpoint}`);
  }

  const { runtime, reason } = await selectRuntime(config.driver, root, runtimeConfigOf(config));
  say(`worker: driver ${color.ok(runtime.kind)} (${reason}), state root ${root}, task queue ${taskQueue}`);
  const nativeConnection = await NativeConnection.connect(
    server ? { address: server.address } : temporal.connectionOptions,
  );
  const worker = await createWorker({
    connection: nativeConnection,
    namespace,
    taskQueue,
    runtime,
    dataConverter: dataConverterOf(loaded),
    // The demo's second container fails on purpose, through its fault label: faults are on here.
    faults: { plan: config.faults },
  });
  // The CLI's session reads the same configuration: same address, namespace and task queue.
  const session = await connect();
  const created: string[] = [];

  const demo = async () => {
    if (!(await imageList(session)).some((i) => i.name === 'busybox')) {
      say("importing the busybox image from Debian's busybox-static…");
      await imageImport(session, 'busybox', 'busybox-static');
    }
    const tag = randomBytes(2).toString('hex');
    const name = `demo-${tag}`;
    const { Id } = await createContainer(session, {
      name,
      image: 'busybox',
      cmd: ['sh', '-c', 'echo hello from container-saga; sleep 3600'],
      hostConfig: { Binds: [`demo-data:/data`] },
    });
    created.push(Id);
    say(`\ncreated ${name} (${Id.slice(0, 12)}); starting it through the saga:`);
    const t0 = Date.now();
    const result = await startContainer(session, Id, { onProgress: progressPrinter(name, process.stdout, false) });
    say(
      `${color.ok('running')} ${name}: pid ${result.pid}${result.ipAddress ? `, IP ${result.ipAddress}` : ''} (start took ${Date.now() - t0} ms)`,
    );
    say(`  Web UI: ${uiUrl}/namespaces/${namespace}/workflows/${startWorkflowId(Id)}`);

    const badName = `demo-${tag}-fails`;
    const bad = await createContainer(session, {
      name: badName,
      image: 'busybox',
      cmd: ['sleep', '3600'],
      labels: { [FAULT_LABEL]: 'process=fail-after' },
    });
    created.push(bad.Id);
    say(`\nstarting ${badName}, whose process step is made to fail after starting the process:`);
    try {
      await startContainer(session, bad.Id, { onProgress: progressPrinter(badName, process.stdout, false) });
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
      say(
        `${color.err('failed')} ${badName}: ${err.message} — compensated: ${inRounds(err.record?.compensations ?? [])}`,
      );
      say(`  Web UI: ${uiUrl}/namespaces/${namespace}/workflows/${startWorkflowId(bad.Id)}`);
    }
  };

  const cleanup = async () => {
    for (const id of created)
      await remove(session, id, true).catch((e: unknown) =>
        say(`could not remove ${id.slice(0, 12)}: ${(e as Error).message}`),
      );
  };

  const running = worker.run();
  let failed = false;
  try {
    await demo();
    const stay = process.stdout.isTTY && !process.argv.includes('--exit');
    if (stay) {
      say(`\nWorker and server keep running: explore ${uiUrl}, or in another terminal: npx container-saga ps -a`);
      say('Ctrl-C removes the demo containers and stops.');
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  } catch (err) {
    failed = true;
    console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await cleanup();
    say('demo containers removed');
    worker.shutdown();
    await running;
    await nativeConnection.close();
    await session.connection.close();
    await server?.stop();
    await codecServer?.close();
  }
  process.exit(failed ? 1 : 0);
}

main().catch((err: unknown) => {
  console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
