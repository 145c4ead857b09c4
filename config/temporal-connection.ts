import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import type { ClientConfigProfile } from '@temporalio/envconfig';
import { ConfigError } from './config-error';

/**
 * Where Temporal is and how to reach it, the way every Temporal tool reads it (`@temporalio/envconfig`, as the
 * `temporal` CLI and the other SDKs do): a profile of a TOML file (TEMPORAL_CONFIG_FILE, else
 * ~/.config/temporalio/temporal.toml; profile TEMPORAL_PROFILE, else "default"), overridden by the
 * environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS,
 * TEMPORAL_TLS_CLIENT_CERT_PATH/_DATA, TEMPORAL_TLS_CLIENT_KEY_PATH/_DATA, TEMPORAL_TLS_SERVER_CA_CERT_PATH/_DATA,
 * TEMPORAL_TLS_SERVER_NAME, TEMPORAL_GRPC_META_*. An API key turns TLS on unless TLS is disabled explicitly.
 * With nothing set, it is the local dev server: localhost:7233, namespace default, no TLS.
 */

export const DEFAULT_ADDRESS = 'localhost:7233';
export const DEFAULT_NAMESPACE = 'default';

/** What Connection.connect and NativeConnection.connect take from a profile. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
}

export interface TemporalConnection {
  /** the profile read: TEMPORAL_PROFILE, else "default" (which may be absent: then only the environment counts) */
  readonly profile: string;
  /** the TOML file read, undefined when there was none */
  readonly configFile: string | undefined;
  readonly address: string;
  readonly namespace: string;
  /** off; on (server verified, no client certificate: API keys, or TLS alone); mtls (a client certificate and key) */
  readonly tls: 'off' | 'on' | 'mtls';
  readonly apiKey: boolean;
  /** for Connection.connect / NativeConnection.connect (the API key is in here: never print this) */
  readonly connectionOptions: TemporalConnectionOptions;
}

/**
 * The connection settings in `env`. Throws ConfigError for a config file that cannot be read or
 * parsed, TEMPORAL_CONFIG_FILE naming a missing file (the SDK would quietly fall back to localhost), a
 * profile that is not in the file, a TEMPORAL_TLS that is not a boolean, a client certificate without its
 * key (or the reverse), or certificate files that cannot be read.
 */
export function loadTemporalConnection(env: NodeJS.ProcessEnv = process.env): TemporalConnection {
  const vars = nonEmpty(env);
  const tlsVar = vars.TEMPORAL_TLS;
  if (tlsVar !== undefined && !['1', '0', 'true', 'false'].includes(tlsVar)) {
    throw new ConfigError(`TEMPORAL_TLS must be true, false, 1 or 0 (got "${tlsVar}")`);
  }
  const configFile = vars.TEMPORAL_CONFIG_FILE ?? defaultConfigFile(vars);
  const data = readConfigFile(configFile, vars.TEMPORAL_CONFIG_FILE !== undefined);
  const profileName = vars.TEMPORAL_PROFILE ?? 'default';
  // Required here, not imported: config/ is loaded by every CLI command, most of which never connect.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const envconfig = require('@temporalio/envconfig') as typeof import('@temporalio/envconfig');
  const where =
    data === undefined
      ? `no Temporal config file (looked for ${configFile ?? 'one'})`
      : `Temporal config file ${configFile}`;
  const missingProfile = () => new ConfigError(`TEMPORAL_PROFILE: profile "${profileName}" is not in ${where}`);
  // Only the environment: no file, or (the SDK 1.24 fails with a TypeError on these) a file without profiles.
  const fromEnvOnly = (): ClientConfigProfile => {
    if (vars.TEMPORAL_PROFILE) throw missingProfile();
    return envconfig.loadClientConfigProfile({ disableFile: true, overrideEnvVars: vars });
  };
  let profile: ClientConfigProfile;
  if (data === undefined) {
    profile = fromEnvOnly();
  } else {
    try {
      profile = envconfig.loadClientConfigProfile({
        configSource: { data },
        overrideEnvVars: vars,
        profile: profileName,
      });
    } catch (err) {
      if (err instanceof TypeError) profile = fromEnvOnly();
      else if (/Profile '.*' not found/.test(message(err))) {
        // "default" may be absent: then only the environment counts, as with no file
        if (vars.TEMPORAL_PROFILE) throw missingProfile();
        profile = envconfig.loadClientConfigProfile({ disableFile: true, overrideEnvVars: vars });
      } else throw new ConfigError(`cannot parse ${where}: ${message(err)}`);
    }
  }
  const tlsConfig = profile.tls;
  if (tlsConfig && !tlsConfig.disabled && Boolean(tlsConfig.clientCert) !== Boolean(tlsConfig.clientKey)) {
    const missing = tlsConfig.clientCert
      ? 'key (tls.client_key_path, TEMPORAL_TLS_CLIENT_KEY_PATH)'
      : 'certificate (tls.client_cert_path, TEMPORAL_TLS_CLIENT_CERT_PATH)';
    throw new ConfigError(
      `profile "${profileName}": a TLS client certificate needs its key and the reverse; the client ${missing} is missing`,
    );
  }
  let connect: ReturnType<typeof envconfig.toClientOptions>;
  try {
    connect = envconfig.toClientOptions(profile); // reads certificate files; an API key implies TLS
  } catch (err) {
    throw new ConfigError(`profile "${profileName}": cannot read a TLS file: ${message(err)}`);
  }
  const { tls: sdkTls, apiKey } = connect.connectionOptions;
  const tls = sdkTls ?? undefined;
  const metadata = profile.grpcMeta;
  const address = profile.address ?? DEFAULT_ADDRESS;
  const connectionOptions: TemporalConnectionOptions = {
    address,
    ...(tls !== undefined ? { tls } : {}),
    ...(typeof apiKey === 'string' ? { apiKey } : {}),
    ...(metadata && Object.keys(metadata).length > 0 ? { metadata } : {}),
  };
  return {
    profile: profileName,
    configFile: data === undefined ? undefined : configFile,
    address,
    namespace: profile.namespace ?? DEFAULT_NAMESPACE,
    tls: tls === undefined || tls === false ? 'off' : typeof tls === 'object' && tls.clientCertPair ? 'mtls' : 'on',
    apiKey: typeof apiKey === 'string',
    connectionOptions,
  };
}

/** One line for banners and logs: where, which namespace, from which profile, TLS on/off. Never the key. */
export function describeTemporalConnection(c: TemporalConnection): string {
  const from = c.configFile ? `profile ${c.profile} of ${c.configFile}` : 'no config file';
  const tls = c.tls === 'off' ? 'TLS off' : c.tls === 'mtls' ? 'TLS on (client certificate)' : 'TLS on';
  return `Temporal ${c.address} namespace ${c.namespace} (${from}; ${tls}${c.apiKey ? '; API key set' : ''})`;
}

/**
 * The environment without empty variables (empty means unset in this project; the SDK would take an empty
 * TEMPORAL_ADDRESS as the address). TEMPORAL_GRPC_META_* keep theirs: an empty one removes a profile's header.
 */
function nonEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (v !== '' || k.startsWith('TEMPORAL_GRPC_META_')) out[k] = v;
  }
  return out;
}

/** The OS's default, as the SDK and the `temporal` CLI look for it: <user config dir>/temporalio/temporal.toml. */
export function defaultConfigFile(
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform = os.platform(),
): string | undefined {
  let dir: string | undefined;
  if (platform === 'win32') dir = env.APPDATA;
  else if (platform === 'darwin') dir = env.HOME && path.join(env.HOME, 'Library', 'Application Support');
  else if (env.XDG_CONFIG_HOME) dir = path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : undefined;
  else dir = env.HOME && path.join(env.HOME, '.config');
  return dir ? path.join(dir, 'temporalio', 'temporal.toml') : undefined;
}

/** The file's text; undefined when there is none (the default path may be absent; a named file must exist). */
function readConfigFile(file: string | undefined, named: boolean): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !named) return undefined;
    const what = named ? `TEMPORAL_CONFIG_FILE: cannot read ${file}` : `cannot read the Temporal config file ${file}`;
    throw new ConfigError(`${what}: ${code === 'ENOENT' ? 'no such file' : message(err)}`);
  }
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}
