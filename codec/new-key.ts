import { getConfig } from '../config';
import { addKey, ensureKeyFile, readKeyFile, retireKey } from './key-file';
import { retireArg } from './retire-arg';

/**
 * `npm run codec-key`: creates the key file (mode 0600) when there is none, else appends a new key to it, which
 * encrypts from then on while the older ones still decrypt (rotation). `npm run codec-key -- --retire ID` (or
 * `npm run codec-key --retire ID`, which npm passes as npm_config_retire) retires a key: clients still decode its
 * payloads (history reads), workers refuse them for new work. Processes read the file at start-up: restart
 * workers, the Engine API and the codec server afterwards (each CLI command reads it anew).
 */

const RESTART =
  'copy the file to every host that runs a worker, the CLI or the codec server, then restart workers, the Engine API and the codec server';

function main(): void {
  const { file } = getConfig().codecKeys;
  const retire = retireArg(process.argv.slice(2), process.env);
  if (retire !== undefined) {
    const key = retireKey(file, retire);
    console.log(`codec-key: retired key ${key.id} in ${file} at ${key.retired}`);
    console.log('  workers refuse payloads under it for new work; clients still decode it in histories');
    console.log(`  ${RESTART}`);
    return;
  }
  if (ensureKeyFile(file)) {
    console.log(`codec-key: created ${file} with key ${readKeyFile(file)[0]!.id}`);
    return;
  }
  const key = addKey(file);
  console.log(
    `codec-key: added key ${key.id} to ${file} (${readKeyFile(file).length} keys); it encrypts from now on, older keys still decrypt`,
  );
  console.log(`  ${RESTART}`);
}

try {
  main();
} catch (err) {
  console.error(`codec-key: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
