import os from 'node:os';
import path from 'node:path';
import { HOST_NAME } from '../common/hosts-api';
import { DEFAULT_TASK_QUEUE } from '../common/names';
import { parseApiServerSettings, parseApiTcp, type ApiServerSettings, type ApiTcp, type ApiVariable } from './api';
import { ConfigError } from './config-error';
import { defaultApiSocketFor, defaultStateRootFor } from './state-root';
import { loadTemporalConnection, type TemporalConnection } from './temporal-connection';
import { policyAllow } from './policy-allow';
import { resolveUsernsRemap, type IdRange } from './userns-remap';
import { absoluteDirs, linkSubnet, loopbackAddress, metricsAddress, oneOf, port, type MetricsAddress } from './values';
import { parseShutdownGrace, parseWorkerTuning, type TuningVariable, type WorkerTuning } from './worker-tuning';

export { ConfigError };
export type { MetricsAddress };

/**
 * The one place the product reads its environment (Node only: workflows/ and common/ never import this).
 * Every variable has exactly one default here, and an empty variable counts as unset, as in a shell's
 * `${VAR:-default}`. Tests and the bench read a few variables of their own (see docs/cli.md, "Environment").
 */

/** Which container driver the worker uses; `auto` picks Linux when it can run here. */
const DRIVERS = ['simulated', 'linux', 'auto'] as const;
export type DriverChoice = (typeof DRIVERS)[number];

/** The OS the simulated driver pretends to be (Windows rejects some settings, as Docker's daemon does). */
export type SimulatedOs = 'linux' | 'windows';

/** The settings read from the environment; field docs name the variable. */
export interface Config {
  /** TEMPORAL_ADDRESS, else the Temporal profile's address (config/temporal-connection.ts), else localhost:7233 */
  readonly address: string;
  /** TEMPORAL_NAMESPACE, else the profile's namespace, else default */
  readonly namespace: string;
  /**
   * the whole connection (profile, TLS, API key) through @temporalio/envconfig: TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE,
   * TEMPORAL_API_KEY, TEMPORAL_TLS*
   */
  readonly temporal: TemporalConnection;
  /** TEMPORAL_UI_PORT: Web UI port of the dev server `npm run server` and the demo start */
  readonly uiPort: number;
  /** CONTAINER_SAGA_TASK_QUEUE: the task queue of worker and CLI */
  readonly taskQueue: string;
  /** CONTAINER_SAGA_HOST: the host this worker runs as (host queue `<taskQueue>@<host>`), default the hostname */
  readonly host: string;
  /** CONTAINER_SAGA_ROOT (made absolute), else the default state root (XDG_STATE_HOME when not root) */
  readonly root: string;
  /** CONTAINER_SAGA_DRIVER */
  readonly driver: DriverChoice;
  /** CONTAINER_SAGA_SIM_OS */
  readonly simOs: SimulatedOs;
  /** CONTAINER_SAGA_SUBNET: the containers' subnet (Linux driver) */
  readonly subnet: string;
  /** CONTAINER_SAGA_HOST_NETNS: the network namespace the bridge lives in (Linux driver) */
  readonly hostNetns: string;
  /** CONTAINER_SAGA_UPLINK_SUBNET: the /30 linking that namespace to the host (Linux driver's outbound NAT) */
  readonly uplinkSubnet: string;
  /** CONTAINER_SAGA_FAULTS: fault plan for every container (runtime/faults.ts), undefined when none */
  readonly faults: string | undefined;
  /** CONTAINER_SAGA_ALLOW_FAULTS=1: fault injection (the plan above and the container label) is enabled */
  readonly allowFaults: boolean;
  /** CONTAINER_SAGA_WORKFLOW_BUNDLE: a prebuilt workflow bundle, instead of bundling at worker start-up */
  readonly workflowBundlePath: string | undefined;
  /** CONTAINER_SAGA_RECONCILE: false when "0" (no gc at worker start-up) */
  readonly reconcile: boolean;
  /** CONTAINER_SAGA_RUNC: the runc binary, instead of looking it up */
  readonly runc: string | undefined;
  /** CNI_PATH: colon-separated directories searched first for the CNI plugins */
  readonly cniPath: readonly string[];
  /** CONTAINER_SAGA_DEBUG: the CLI prints stacks of unexpected errors */
  readonly debug: boolean;
  /** NO_COLOR: no colours even on a terminal (no-color.org) */
  readonly noColor: boolean;
  /** TEMPORAL_CLI: the `temporal` binary, instead of the one `npm run setup` installs */
  readonly temporalCli: string | undefined;
  /** TEMPORAL_TEST_SERVER: the time-skipping test server binary, instead of the installed one */
  readonly temporalTestServer: string | undefined;
  /** CONTAINER_SAGA_API_SOCKET: the Docker Engine API's unix socket (api/), default by user (apiSocketFor) */
  readonly apiSocket: string;
  /** CONTAINER_SAGA_API_TCP: also listen on this host:port, with TLS (CONTAINER_SAGA_API_TLS_*: config/api.ts) */
  readonly apiTcp: ApiTcp | undefined;
  /** CONTAINER_SAGA_API_GROUP, CONTAINER_SAGA_API_MAX_STREAMS (config/api.ts) */
  readonly apiServer: ApiServerSettings;
  /** CONTAINER_SAGA_API=1: the worker process serves the Engine API too */
  readonly apiInWorker: boolean;
  /** CONTAINER_SAGA_MAX_ACTIVITIES, _MAX_LOCAL_ACTIVITIES, … _WORKFLOW_POLLERS (config/worker-tuning.ts) */
  readonly workerTuning: WorkerTuning;
  /** CONTAINER_SAGA_SHUTDOWN_GRACE in ms: how long a stopping worker lets in-flight steps finish before cancelling */
  readonly shutdownGraceMs: number;
  /** CONTAINER_SAGA_CODEC_KEYS: the key file (absolute), else `<root>/codec-keys.json`; explicit: the variable's */
  readonly codecKeys: { file: string; explicit: boolean };
  /** CONTAINER_SAGA_CODEC_ADDRESS: where the codec server listens, loopback host:port (default 127.0.0.1:8234) */
  readonly codecAddress: { host: string; port: number };
  /**
   * CONTAINER_SAGA_CODEC_ORIGINS: comma-separated Web UI origins the codec server answers (default the UI on
   * TEMPORAL_UI_PORT)
   */
  readonly codecOrigins: readonly string[];
  /** CONTAINER_SAGA_CODEC_TOKEN: the codec server's secret, else a random one per start */
  readonly codecToken: string | undefined;
  /**
   * CONTAINER_SAGA_BIND_ALLOW: host directories, ':'-separated like PATH, that bind mounts may come from
   * (each absolute); undefined when unset: any host path may be bound, as with Docker
   */
  readonly bindAllow: readonly string[] | undefined;
  /** CONTAINER_SAGA_POLICY_ALLOW (config/policy-allow.ts): what a host with a bind policy still allows */
  readonly policyAllow: readonly string[] | undefined;
  /** CONTAINER_SAGA_METRICS: where the Prometheus endpoint (`/metrics`) listens; undefined (off) when unset */
  readonly metrics: MetricsAddress | undefined;
  /** CONTAINER_SAGA_USERNS_REMAP: the ID ranges containers' root maps to (config/userns-remap.ts); undefined: none */
  readonly usernsRemap: IdRange | undefined;
}

/** Every variable getConfig reads. */
export type ConfigVariable =
  | 'TEMPORAL_ADDRESS'
  | 'TEMPORAL_NAMESPACE'
  | 'TEMPORAL_UI_PORT'
  | 'CONTAINER_SAGA_TASK_QUEUE'
  | 'CONTAINER_SAGA_HOST'
  | 'CONTAINER_SAGA_ROOT'
  | 'XDG_STATE_HOME'
  | 'CONTAINER_SAGA_DRIVER'
  | 'CONTAINER_SAGA_SIM_OS'
  | 'CONTAINER_SAGA_SUBNET'
  | 'CONTAINER_SAGA_HOST_NETNS'
  | 'CONTAINER_SAGA_UPLINK_SUBNET'
  | 'CONTAINER_SAGA_FAULTS'
  | 'CONTAINER_SAGA_ALLOW_FAULTS'
  | 'CONTAINER_SAGA_WORKFLOW_BUNDLE'
  | 'CONTAINER_SAGA_RECONCILE'
  | 'CONTAINER_SAGA_RUNC'
  | 'CNI_PATH'
  | 'CONTAINER_SAGA_DEBUG'
  | 'NO_COLOR'
  | 'TEMPORAL_CLI'
  | 'TEMPORAL_TEST_SERVER'
  | 'CONTAINER_SAGA_API_SOCKET'
  | 'CONTAINER_SAGA_API_TCP'
  | 'CONTAINER_SAGA_API'
  | 'XDG_RUNTIME_DIR'
  | 'CONTAINER_SAGA_CODEC_KEYS'
  | 'CONTAINER_SAGA_CODEC_ADDRESS'
  | 'CONTAINER_SAGA_CODEC_ORIGINS'
  | 'CONTAINER_SAGA_CODEC_TOKEN'
  | 'CONTAINER_SAGA_BIND_ALLOW'
  | 'CONTAINER_SAGA_POLICY_ALLOW'
  | 'CONTAINER_SAGA_METRICS'
  | 'CONTAINER_SAGA_USERNS_REMAP'
  | ApiVariable
  | TuningVariable;

/** The variable's value, undefined when unset or empty (empty means unset, everywhere). */
export function envValue(name: ConfigVariable, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[name] || undefined;
}

/** Whether the variable is set to something (scripts that only use an external server when told to). */
export function isSet(name: ConfigVariable, env: NodeJS.ProcessEnv = process.env): boolean {
  return envValue(name, env) !== undefined;
}

/**
 * The configuration in `env`. Each field is read when it is used, so a bad value fails only the code that
 * needs it (with a ConfigError naming the variable): a mistyped CONTAINER_SAGA_DRIVER stops the worker, not
 * the CLI printing an error.
 */
export function getConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const v = (name: ConfigVariable) => envValue(name, env);
  let temporal: TemporalConnection | undefined;
  return {
    // The profile file is read once, on first use (the CLI's --help never reads it).
    get temporal() {
      return (temporal ??= loadTemporalConnection(env));
    },
    get address() {
      return this.temporal.address;
    },
    get namespace() {
      return this.temporal.namespace;
    },
    get uiPort() {
      return port('TEMPORAL_UI_PORT', v('TEMPORAL_UI_PORT') ?? '8233');
    },
    get taskQueue() {
      return v('CONTAINER_SAGA_TASK_QUEUE') ?? DEFAULT_TASK_QUEUE;
    },
    get host() {
      const given = v('CONTAINER_SAGA_HOST');
      const host = given ?? os.hostname().split('.')[0]!;
      if (HOST_NAME.test(host)) return host;
      throw new ConfigError(
        `${given ? 'CONTAINER_SAGA_HOST' : "the machine's hostname (set CONTAINER_SAGA_HOST instead)"} must be a host name, [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 63 characters (got "${host}")`,
      );
    },
    get root() {
      const root = v('CONTAINER_SAGA_ROOT');
      return root ? path.resolve(root) : defaultStateRootFor(v('XDG_STATE_HOME'));
    },
    get driver() {
      return oneOf<DriverChoice>('CONTAINER_SAGA_DRIVER', v('CONTAINER_SAGA_DRIVER') ?? 'auto', DRIVERS);
    },
    get simOs() {
      return oneOf<SimulatedOs>('CONTAINER_SAGA_SIM_OS', v('CONTAINER_SAGA_SIM_OS') ?? 'linux', ['linux', 'windows']);
    },
    get subnet() {
      return v('CONTAINER_SAGA_SUBNET') ?? '10.88.0.0/16';
    },
    get hostNetns() {
      return v('CONTAINER_SAGA_HOST_NETNS') ?? 'container-saga-host';
    },
    get uplinkSubnet() {
      return linkSubnet('CONTAINER_SAGA_UPLINK_SUBNET', v('CONTAINER_SAGA_UPLINK_SUBNET') ?? '10.87.255.252/30');
    },
    get faults() {
      return v('CONTAINER_SAGA_FAULTS');
    },
    get allowFaults() {
      return v('CONTAINER_SAGA_ALLOW_FAULTS') === '1';
    },
    get workflowBundlePath() {
      return v('CONTAINER_SAGA_WORKFLOW_BUNDLE');
    },
    get reconcile() {
      return v('CONTAINER_SAGA_RECONCILE') !== '0';
    },
    get runc() {
      return v('CONTAINER_SAGA_RUNC');
    },
    get cniPath() {
      return (v('CNI_PATH') ?? '').split(':').filter(Boolean);
    },
    get debug() {
      return v('CONTAINER_SAGA_DEBUG') !== undefined;
    },
    get noColor() {
      return v('NO_COLOR') !== undefined;
    },
    get temporalCli() {
      return v('TEMPORAL_CLI');
    },
    get temporalTestServer() {
      return v('TEMPORAL_TEST_SERVER');
    },
    get apiSocket() {
      const sock = v('CONTAINER_SAGA_API_SOCKET');
      return sock ? path.resolve(sock) : defaultApiSocketFor(v('XDG_RUNTIME_DIR'));
    },
    get apiTcp() {
      return parseApiTcp(v);
    },
    get apiServer() {
      return parseApiServerSettings(v);
    },
    get apiInWorker() {
      return v('CONTAINER_SAGA_API') === '1';
    },
    get codecKeys() {
      const file = v('CONTAINER_SAGA_CODEC_KEYS');
      return file
        ? { file: path.resolve(file), explicit: true }
        : { file: path.join(this.root, 'codec-keys.json'), explicit: false };
    },
    get codecAddress() {
      return loopbackAddress('CONTAINER_SAGA_CODEC_ADDRESS', v('CONTAINER_SAGA_CODEC_ADDRESS') ?? '127.0.0.1:8234');
    },
    get codecOrigins() {
      const origins = v('CONTAINER_SAGA_CODEC_ORIGINS')
        ?.trim()
        .split(/\s*,\s*/)
        .filter(Boolean);
      return origins ?? [`http://localhost:${this.uiPort}`, `http://127.0.0.1:${this.uiPort}`];
    },
    get codecToken() {
      return v('CONTAINER_SAGA_CODEC_TOKEN');
    },
    get workerTuning() {
      return parseWorkerTuning(v);
    },
    get shutdownGraceMs() {
      return parseShutdownGrace(v);
    },
    get bindAllow() {
      const allow = v('CONTAINER_SAGA_BIND_ALLOW');
      return allow === undefined ? undefined : absoluteDirs('CONTAINER_SAGA_BIND_ALLOW', allow);
    },
    get policyAllow() {
      return policyAllow(v('CONTAINER_SAGA_POLICY_ALLOW'), v('CONTAINER_SAGA_BIND_ALLOW'));
    },
    get metrics() {
      const addr = v('CONTAINER_SAGA_METRICS');
      return addr === undefined ? undefined : metricsAddress('CONTAINER_SAGA_METRICS', addr);
    },
    get usernsRemap() {
      return resolveUsernsRemap(v('CONTAINER_SAGA_USERNS_REMAP'));
    },
  };
}
