/**
 * Where a pull's credentials come from: the Engine API's `X-Registry-Auth` header (what `docker pull` sends)
 * and the `auths` of a Docker client config file. Pure functions over the decoded inputs, plus one file read.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RegistryError } from './errors';

export interface Credentials {
  username?: string;
  password?: string;
  /** An OAuth refresh token (`docker login` with a token): exchanged at the token realm. */
  identityToken?: string;
  /** A bearer token to send as is. */
  registryToken?: string;
  serverAddress?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function fromAuthObject(o: Record<string, unknown>): Credentials {
  const c: Credentials = {};
  const username = str(o.username);
  const password = str(o.password);
  const identityToken = str(o.identitytoken);
  const registryToken = str(o.registrytoken);
  const serverAddress = str(o.serveraddress);
  if (username !== undefined) c.username = username;
  if (password !== undefined) c.password = password;
  if (identityToken !== undefined) c.identityToken = identityToken;
  if (registryToken !== undefined) c.registryToken = registryToken;
  if (serverAddress !== undefined) c.serverAddress = serverAddress;
  return c;
}

/** `auth` is base64 of `user:password`; the password may itself hold colons. */
function decodeAuthField(auth: string): { username: string; password: string } {
  const text = Buffer.from(auth, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) throw new RegistryError('Config', 'invalid auth configuration file');
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/**
 * Decodes `X-Registry-Auth`: base64url (standard base64 accepted too, as newer Engines do) of a JSON object.
 * An absent or empty header is no credentials; a malformed one is the Engine's 400.
 */
export function decodeRegistryAuthHeader(header: string | undefined): Credentials | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const b64 = header.trim().replace(/-/g, '+').replace(/_/g, '/');
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new Error('illegal base64 data');
    parsed = JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
  } catch (err) {
    throw new RegistryError('InvalidParameter', `invalid X-Registry-Auth header: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new RegistryError('InvalidParameter', 'invalid X-Registry-Auth header: not a JSON object');
  }
  const creds = fromAuthObject(parsed as Record<string, unknown>);
  return Object.keys(creds).length ? creds : undefined;
}

/** `https://host:5000/v1/` and `host:5000` name the same registry: compare by host[:port] only. */
export function registryHostOf(key: string): string {
  return key
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
}

/** The credentials a config file's `auths` holds for `host` (host[:port], as in a reference's domain). */
export function credentialsFromDockerConfig(config: unknown, host: string): Credentials | undefined {
  if (config === null || typeof config !== 'object') return undefined;
  const auths = (config as { auths?: unknown }).auths;
  if (auths === null || typeof auths !== 'object') return undefined;
  const want = host.toLowerCase();
  for (const [key, value] of Object.entries(auths as Record<string, unknown>)) {
    if (registryHostOf(key) !== want || value === null || typeof value !== 'object') continue;
    const entry = value as Record<string, unknown>;
    const creds = fromAuthObject(entry);
    const auth = str(entry.auth);
    if (auth !== undefined) Object.assign(creds, decodeAuthField(auth));
    creds.serverAddress = key;
    return creds.username || creds.identityToken || creds.registryToken ? creds : undefined;
  }
  return undefined;
}

/** Reads `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`; a missing file is no credentials. */
export function readDockerConfig(env: NodeJS.ProcessEnv = process.env): unknown {
  const dir = env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
  let text: string;
  try {
    text = readFileSync(path.join(dir, 'config.json'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RegistryError('Config', `invalid auth configuration file: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
