import { randomBytes } from 'node:crypto';
import type { Config } from '../config';
import { loadCodec, type LoadedCodec } from './load';
import { startCodecServer, type RunningCodecServer } from './server';

/** A fresh secret for the codec server's endpoint (CONTAINER_SAGA_CODEC_TOKEN overrides it). */
export function randomToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * What `npm run server` and `npm run demo` do before anything else, as a worker does at its start: make sure
 * the key file exists (CONTAINER_SAGA_CODEC_KEYS, else `<state root>/codec-keys.json`), creating it with one new
 * key (mode 0600, directory 0700) when there is none, so the worker and the clients they start share it.
 */
export function prepareKeyFile(env: NodeJS.ProcessEnv = process.env): { loaded: LoadedCodec; created: boolean } {
  const loaded = loadCodec(env, { create: true });
  return { loaded, created: loaded.created };
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
