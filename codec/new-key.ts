import { getConfig } from '../config';
import { addKey, ensureKeyFile, readKeyFile } from './key-file';

/**
 * `npm run codec-key`: creates the key file (mode 0600) when there is none, else appends a new key to it, which
 * encrypts from then on while the older ones still decrypt (rotation). Processes read the file at start-up:
 * restart workers, the Engine API and the codec server afterwards (each CLI command reads it anew).
 */
function main(): void {
  const { file } = getConfig().codecKeys;
  if (ensureKeyFile(file)) {
    console.log(`codec-key: created ${file} with key ${readKeyFile(file)[0]!.id}`);
    return;
  }
  const key = addKey(file);
  console.log(
    `codec-key: added key ${key.id} to ${file} (${readKeyFile(file).length} keys); it encrypts from now on, older keys still decrypt`,
  );
  console.log(
    '  copy the file to every host that runs a worker, the CLI or the codec server, then restart workers, the Engine API and the codec server',
  );
}

try {
  main();
} catch (err) {
  console.error(`codec-key: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
