import { randomBytes } from 'node:crypto';
import { promises as fs, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect, type Session } from '../../client/connection';
import { pullImage } from '../../client/pull';
import { imageStoreRoot } from '../../images/location';
import { ImageStore } from '../../images/store';
import { until } from '../harness';
import { storeContents, throttledProxy } from '../pull-fixture';
import { buildImage, push, startRegistry, type TestRegistry } from '../registry-fixture';
import { spawnWorker, writeBundle, type WorkerProcess } from './worker-process';

// A worker PROCESS SIGKILLed in the middle of a 40 MB layer: the pull goes on on the next worker process of the
// host, which resumes the layer from the partial file with a Range request. The proxy in front of the registry
// counts every byte sent back; the whole pull must fetch at most 1.5x the layer.

const LAYER = 40 << 20;
const RATE = 8 << 20; // bytes a second: a 5 s layer, interrupted around its middle

let dir: string;
let reg: TestRegistry;
let session: Session;
let env: NodeJS.ProcessEnv;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-pull-crash-'));
  reg = await startRegistry(path.join(dir, 'reg'));
  const layout = path.join(dir, 'layout');
  buildImage(layout, 'big', [randomBytes(LAYER)]);
  push(layout, 'big', `${reg.domain}/big:latest`);
  env = {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    CONTAINER_SAGA_TASK_QUEUE: `pull-crash-${path.basename(dir)}`,
    CONTAINER_SAGA_ROOT: path.join(dir, 'root'),
    CONTAINER_SAGA_DRIVER: 'simulated',
    CONTAINER_SAGA_WORKFLOW_BUNDLE: await writeBundle(dir),
  };
  session = await connect({ ...process.env, ...env });
}, 120_000);

afterAll(async () => {
  await worker?.kill();
  await session?.connection.close();
  await reg?.stop();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('a pull survives its worker', () => {
  it('SIGKILL mid-layer: the next worker resumes the layer, fetching at most 1.5x its bytes in all', async () => {
    const proxy = await throttledProxy(reg.port, RATE);
    const store = new ImageStore(imageStoreRoot(env.CONTAINER_SAGA_ROOT!));
    try {
      worker = await spawnWorker(env);
      const pull = pullImage(session, { reference: `${proxy.domain}/big:latest` });
      const partialSize = () => {
        const [hex] = storeContents(store).partial;
        return hex ? statSync(path.join(store.root, 'partial', hex)).size : 0;
      };
      await until('a third of the layer on disk', async () => (partialSize() > LAYER / 3 ? true : undefined), 60_000);
      await worker.kill('SIGKILL');
      const atKill = partialSize();
      worker = await spawnWorker(env);
      const result = await pull;
      expect(result.hosts[0]!.status).toBe(`Downloaded newer image for ${proxy.domain}/big:latest`);
      const fetched = proxy.stats.down;
      console.log(
        `pull-crash: layer ${LAYER} B, ${atKill} B on disk at the kill, ${fetched} B fetched in all (${(fetched / LAYER).toFixed(3)}x)`,
      );
      expect(fetched).toBeLessThanOrEqual(LAYER * 1.5);
      expect(atKill).toBeGreaterThan(LAYER / 3);
      const left = storeContents(store);
      expect([left.partial, left.leases]).toEqual([[], []]);
      expect(left.layers).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  }, 180_000);
});
