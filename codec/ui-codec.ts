import { randomBytes } from 'node:crypto';
import type { Config } from '../config';
import { KeyFileError, ensureKeyFile } from './key-file';
import { loadCodec, type LoadedCodec } from './load';
import { startCodecServer, type RunningCodecServer } from './server';

/** A fresh secret for the codec server's endpoint (CONTAINER_SAGA_CODEC_TOKEN overrides it). */
export function randomToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * What `npm run server` and `npm run demo` do before anything else: make sure a key file exists, creating
 * `<state root>/codec-keys.json` (mode 0600, one new key) when CONTAINER_SAGA_CODEC_KEYS is unset and there is
 * none, so everything they start encrypts. A file the variable names is never created: it must exist.
 */
export function prepareKeyFile(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
): { loaded: LoadedCodec; created: boolean } {
  const { file, explicit } = config.codecKeys;
  const created = !explicit && ensureKeyFile(file);
  const loaded = loadCodec(env);
  if (!loaded.encrypting) throw new KeyFileError(`no key file at ${file}`);
  return { loaded, created };
}

/** The codec server for a Web UI, on CONTAINER_SAGA_CODEC_ADDRESS, for CONTAINER_SAGA_CODEC_ORIGINS. */
export function startUiCodecServer(
  config: Config,
  loaded: LoadedCodec,
  onError?: (err: unknown) => void,
): Promise<RunningCodecServer> {
  return startCodecServer({
    codec: loaded.codec,
    token: config.codecToken ?? randomToken(),
    origins: config.codecOrigins,
    ...config.codecAddress,
    onError,
  });
}
