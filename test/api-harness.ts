import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { startApi, type RunningApi } from '../api/start';
import { imageImport } from '../client/api';
import type { HostRuntimeConfig } from '../runtime/host-runtime';
import type { SimulatedRuntime } from '../runtime/simulated-runtime';
import { simulatedRuntime } from './runtimes';
import { startTestWorker, type TestWorker } from './harness';
import { linuxSuite, linuxUnavailable, type LinuxSuite, type TestNetwork } from './linux-fixture';

/**
 * The Engine API in front of a test worker: served in-process on a socket in a temp directory, against the
 * worker's task queue, and driven by Docker's own client (`/usr/bin/docker` from Debian's docker.io, which
 * `npm run setup` installs as root; only the client runs, never a Docker daemon).
 */

export interface TestApi extends RunningApi {
  /** DOCKER_HOST for clients */
  host: string;
  close(): Promise<void>;
}

export async function startTestApi(
  w: Pick<TestWorker, 'address' | 'taskQueue'>,
  env: NodeJS.ProcessEnv = {},
): Promise<TestApi> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-api-'));
  const api = await startApi({
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: w.address,
      CONTAINER_SAGA_TASK_QUEUE: w.taskQueue,
      CONTAINER_SAGA_API_TCP: '',
      ...env,
    },
    socketPath: path.join(dir, 'docker.sock'),
    onError: (err) => console.error('api error:', err),
  });
  return {
    ...api,
    host: `unix://${api.socketPath}`,
    close: async () => {
      await api.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

export interface SimulatedApiSuite {
  readonly w: TestWorker;
  readonly api: TestApi;
  readonly sim: SimulatedRuntime;
}

/**
 * A test file's Engine API over the simulated driver: before its tests, an in-process worker on its own task
 * queue (temp root, on the shared dev server), the API in front of it and busybox imported; after them,
 * all of it stopped and removed. Read the fields inside tests (they exist once beforeAll has run). `env`, read
 * in beforeAll, adds to the API's environment (CONTAINER_SAGA_API_TCP and its TLS files).
 */
export function simulatedApiSuite(label: string, env: () => NodeJS.ProcessEnv = () => ({})): SimulatedApiSuite {
  let root: string | undefined;
  let w: TestWorker | undefined;
  let api: TestApi | undefined;
  let sim: SimulatedRuntime | undefined;
  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), `cs-${label}-`));
    sim = simulatedRuntime(root);
    w = await startTestWorker(inject('temporalAddress'), sim);
    api = await startTestApi(w, { CONTAINER_SAGA_ROOT: root, CONTAINER_SAGA_HOST: sim.hostName, ...env() });
    await imageImport(w.session, 'busybox', 'busybox-static');
  });
  afterAll(async () => {
    await api?.close();
    await w?.shutdown();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });
  const ready = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the API suite is not set up (used outside a test?)');
    return v;
  };
  return {
    get w() {
      return ready(w);
    },
    get api() {
      return ready(api);
    },
    get sim() {
      return ready(sim);
    },
  };
}

/** Debian's docker client: its path is fixed so the tests do not pick up another client on PATH. */
export const DOCKER_CLI = '/usr/bin/docker';
export const hasDockerCli = () => existsSync(DOCKER_CLI);

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `docker ARGS` against the API, with a config directory of its own (no user config, no credential helpers). */
export function docker(
  api: Pick<TestApi, 'host'>,
  args: string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<DockerResult> {
  if (!hasDockerCli())
    return Promise.reject(
      new Error(
        `${DOCKER_CLI} is missing: Debian's docker.io gives the client (\`npm run setup\` installs it as root)`,
      ),
    );
  return dockerClient(DOCKER_CLI, api, args, opts);
}

/** Runs a Docker client (the docker CLI, a compose) against the API, as `docker` does. */
export function dockerClient(
  file: string,
  api: Pick<TestApi, 'host'>,
  args: string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<DockerResult> {
  if (!existsSync(file)) return Promise.reject(new Error(`${file} is missing (\`npm run setup\` installs it as root)`));
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: {
        PATH: process.env.PATH,
        HOME: os.tmpdir(),
        DOCKER_HOST: api.host,
        DOCKER_CONFIG: path.join(os.tmpdir(), 'cs-docker-config'),
        ...opts.env,
      },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    child.stdin?.end(opts.input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/**
 * A Linux-driver suite (linux-fixture.ts) with the Engine API in front of its worker: `docker(args)` runs
 * Docker's CLI against it. The API closes before the suite's worker stops (afterAll hooks run in reverse).
 */
export function linuxApiSuite(
  prefix: string,
  net: TestNetwork,
  config: Partial<HostRuntimeConfig> = {},
): LinuxSuite & {
  docker(args: string[], timeoutMs?: number): Promise<DockerResult>;
  /** another Docker client (a compose) against the API */
  client(file: string, args: string[], timeoutMs?: number): Promise<DockerResult>;
  /** the docker CLI with `input` as its stdin */
  dockerIn(args: string[], input: string, timeoutMs?: number): Promise<DockerResult>;
  /** DOCKER_HOST for clients */
  apiHost(): string;
} {
  const suite = linuxSuite(prefix, net, config);
  let api: TestApi | undefined;
  beforeAll(async () => {
    if (await linuxUnavailable()) return;
    // the API reaches stdin and terminals through the worker host's files on its machine (api/local-io.ts)
    api = await startTestApi(suite.w, { CONTAINER_SAGA_ROOT: suite.rt.root, CONTAINER_SAGA_HOST: suite.rt.hostName });
  }, 60_000);
  afterAll(async () => {
    await api?.close();
  });
  return Object.assign(Object.create(suite) as LinuxSuite, {
    docker: (args: string[], timeoutMs?: number) => {
      if (!api) throw new Error('the Engine API is not running (the Linux driver is unavailable here)');
      return docker(api, args, { timeoutMs });
    },
    client: (file: string, args: string[], timeoutMs?: number) => {
      if (!api) throw new Error('the Engine API is not running (the Linux driver is unavailable here)');
      return dockerClient(file, api, args, { timeoutMs });
    },
    dockerIn: (args: string[], input: string, timeoutMs?: number) => {
      if (!api) throw new Error('the Engine API is not running (the Linux driver is unavailable here)');
      return docker(api, args, { timeoutMs, input });
    },
    apiHost: () => {
      if (!api) throw new Error('the Engine API is not running (the Linux driver is unavailable here)');
      return api.host;
    },
  });
}
