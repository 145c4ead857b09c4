import { chmodSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDevServer, type DevServer } from '../scripts/dev-server';
import { repoRoot, temporalCliPath, testServerPath } from '../scripts/temporal-paths';

/**
 * One Temporal dev server for the whole run: several files each starting their own would race for ports and
 * CPU. Files read its address with inject('temporalAddress'); TEMPORAL_TEST_ADDRESS points them at an
 * external server instead. The time-skipping binary's path is provided too: time skipping is global to a
 * test server, so each file that skips time starts its own with `existing-path` (the SDK's default would
 * download it, which these machines cannot).
 */
export default async function setup({ provide }: TestProject): Promise<() => Promise<void>> {
  // Resolve both binaries first, so a missing install fails with "run npm run setup" before anything starts.
  const cli = temporalCliPath();
  provide('testServerPath', testServerPath());
  provide('temporalCliPath', cli);
  // git keeps no permission bits but the executable one: the test key file is checked out readable by all, and
  // the codec refuses a key file others can read (vitest.config.ts's env points every client at this one).
  chmodSync(path.join(repoRoot(), 'test', 'fixtures', 'codec-test-keys.json'), 0o600);

  let server: DevServer | undefined;
  let address = process.env.TEMPORAL_TEST_ADDRESS;
  if (!address) {
    // Headless, free port, history in memory; its output goes to test-results/ for post-mortems.
    const log = path.join(repoRoot(), 'test-results', 'temporal-dev-server.log');
    rmSync(log, { force: true });
    server = await startDevServer({ uiPort: false, log });
    address = server.address;
  }
  provide('temporalAddress', address);
  return async () => {
    await server?.stop();
  };
}
