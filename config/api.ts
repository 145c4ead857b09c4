import { isLoopbackHost } from '../common/loopback';
import { isIPv4, isIPv6 } from 'node:net';
import path from 'node:path';
import { ConfigError } from './config-error';
import { port } from './values';

/**
 * The Engine API's listeners: TCP only with TLS and client certificates (Docker's `--tlsverify`), the unix
 * socket's group, and the cap on streams. Read by config/index.ts; the files themselves are read by api/tls.ts.
 */

export type ApiVariable =
  | 'CONTAINER_SAGA_API_TLS_DIR'
  | 'CONTAINER_SAGA_API_TLS_CA'
  | 'CONTAINER_SAGA_API_TLS_CERT'
  | 'CONTAINER_SAGA_API_TLS_KEY'
  | 'CONTAINER_SAGA_API_TCP_INSECURE'
  | 'CONTAINER_SAGA_API_GROUP'
  | 'CONTAINER_SAGA_API_MAX_STREAMS';

/** The server's CA (which signs the clients' certificates), certificate and key: absolute paths. */
export interface ApiTlsFiles {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export interface ApiTcp {
  readonly host: string;
  readonly port: number;
  /** undefined only with CONTAINER_SAGA_API_TCP_INSECURE=1, on loopback */
  readonly tls: ApiTlsFiles | undefined;
}

export interface ApiServerSettings {
  /** CONTAINER_SAGA_API_GROUP: the socket's group (name or number); undefined: the user's primary group */
  readonly group: string | undefined;
  /** CONTAINER_SAGA_API_MAX_STREAMS: how many upgraded connections (attach, exec start) may be open at once */
  readonly maxStreams: number;
}

/** The files in CONTAINER_SAGA_API_TLS_DIR: the names Docker's docs give dockerd's --tlscacert/--tlscert/--tlskey. */
export const TLS_DIR_FILES = { ca: 'ca.pem', cert: 'server-cert.pem', key: 'server-key.pem' } as const;

type Read = (name: ApiVariable | 'CONTAINER_SAGA_API_TCP') => string | undefined;

/** CONTAINER_SAGA_API_TCP with its TLS files; refuses a listener without TLS unless insecure loopback is asked for. */
export function parseApiTcp(v: Read): ApiTcp | undefined {
  const value = v('CONTAINER_SAGA_API_TCP');
  if (value === undefined) return undefined;
  const m = /^(?:(?:\[([^\]]+)\]|([^:[\]]+)):)?(\d+)$/.exec(value);
  const host = m ? (m[1] ?? m[2] ?? '127.0.0.1') : '';
  if (!m || (m[1] !== undefined ? !isIPv6(host) : host !== 'localhost' && !isIPv4(host)))
    throw new ConfigError(
      `CONTAINER_SAGA_API_TCP must be [HOST:]PORT with HOST an IPv4 address, [IPv6] or localhost (got "${value}")`,
    );
  const p = port('CONTAINER_SAGA_API_TCP', m[3]!);
  const tls = parseTlsFiles(v);
  const insecure = v('CONTAINER_SAGA_API_TCP_INSECURE');
  if (insecure !== undefined && insecure !== '1')
    throw new ConfigError(`CONTAINER_SAGA_API_TCP_INSECURE must be 1 or unset (got "${insecure}")`);
  if (tls && insecure)
    throw new ConfigError('CONTAINER_SAGA_API_TCP_INSECURE=1 and TLS files are both set: choose one');
  if (!tls && !insecure)
    throw new ConfigError(
      `CONTAINER_SAGA_API_TCP requires TLS with client certificates (anyone who reaches the port is root here): ` +
        `set CONTAINER_SAGA_API_TLS_DIR (holding ${Object.values(TLS_DIR_FILES).join(', ')}) or ` +
        `CONTAINER_SAGA_API_TLS_CA, _CERT and _KEY; see docs/engine-api.md`,
    );
  if (!tls && !isLoopbackHost(host))
    throw new ConfigError(
      `CONTAINER_SAGA_API_TCP_INSECURE serves loopback only; ${host} needs TLS (CONTAINER_SAGA_API_TLS_DIR)`,
    );
  return { host, port: p, tls };
}

/** The TLS files: each individual variable overrides the directory's file; all three or none. */
function parseTlsFiles(v: Read): ApiTlsFiles | undefined {
  const dir = v('CONTAINER_SAGA_API_TLS_DIR');
  const pick = (name: ApiVariable, file: string) => {
    const given = v(name);
    return given !== undefined ? path.resolve(given) : dir !== undefined ? path.resolve(dir, file) : undefined;
  };
  const ca = pick('CONTAINER_SAGA_API_TLS_CA', TLS_DIR_FILES.ca);
  const cert = pick('CONTAINER_SAGA_API_TLS_CERT', TLS_DIR_FILES.cert);
  const key = pick('CONTAINER_SAGA_API_TLS_KEY', TLS_DIR_FILES.key);
  if (ca === undefined && cert === undefined && key === undefined) return undefined;
  const missing = (['CA', 'CERT', 'KEY'] as const).filter((_n, i) => [ca, cert, key][i] === undefined);
  if (missing.length > 0)
    throw new ConfigError(
      `the Engine API's TLS needs a CA, a certificate and a key: set CONTAINER_SAGA_API_TLS_DIR or ${missing
        .map((n) => `CONTAINER_SAGA_API_TLS_${n}`)
        .join(', ')}`,
    );
  return { ca: ca!, cert: cert!, key: key! };
}

export function parseApiServerSettings(v: Read): ApiServerSettings {
  const group = v('CONTAINER_SAGA_API_GROUP');
  if (group !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/.test(group))
    throw new ConfigError(`CONTAINER_SAGA_API_GROUP must be a group name or number (got "${group}")`);
  const streams = v('CONTAINER_SAGA_API_MAX_STREAMS') ?? '256';
  const maxStreams = Number(streams);
  if (!/^\d+$/.test(streams) || maxStreams < 1 || maxStreams > 65536)
    throw new ConfigError(`CONTAINER_SAGA_API_MAX_STREAMS must be a number, 1-65536 (got "${streams}")`);
  return { group, maxStreams };
}
