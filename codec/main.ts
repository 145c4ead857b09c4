import { getConfig } from '../config';
import { describeCodec, loadCodec } from './load';
import { startUiCodecServer } from './ui-codec';

/**
 * `npm run codec-server`: decodes payloads for the Web UI and the `temporal` CLI with the key file's keys
 * (CONTAINER_SAGA_CODEC_KEYS, default <state root>/codec-keys.json), on CONTAINER_SAGA_CODEC_ADDRESS
 * (loopback, default 127.0.0.1:8234), for the UI origins in CONTAINER_SAGA_CODEC_ORIGINS. Prints the endpoint,
 * which carries the secret token (CONTAINER_SAGA_CODEC_TOKEN, else a random one).
 */
async function main(): Promise<void> {
  const config = getConfig();
  // No key file: a KeyFileError naming the path and the fix (copy a worker's file here).
  const loaded = loadCodec();
  console.log(`codec-server: ${describeCodec(loaded)}`);
  const server = await startUiCodecServer(config, loaded, (err) =>
    console.error(`codec-server: ${err instanceof Error ? err.stack : String(err)}`),
  );
  console.log(`codec-server: listening on ${server.url} for ${config.codecOrigins.join(', ')}`);
  console.log(`codec-server: endpoint (secret; it carries the token) ${server.endpoint}`);
  // Never as a command-line flag: every local user reads argv from /proc/<pid>/cmdline.
  console.log('  Web UI: Codec Server (top right) → "Use my browser setting" → paste the endpoint → Apply');
  console.log('  temporal CLI: put it in your temporal.toml profile ([profile.default.codec] endpoint = "…")');
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`codec-server: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
