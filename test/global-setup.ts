import type { TestProject } from 'vitest/node';
import { startDevServer, type DevServer } from '../scripts/dev-server';
import { temporalCliPath, testServerPath } from '../scripts/temporal-paths';

// One Temporal dev server for the whole run (several files starting their own would race for ports and
// CPU); files get its address with inject('temporalAddress'). TEMPORAL_TEST_ADDRESS uses an external one.
let server: DevServer | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let address = process.env.TEMPORAL_TEST_ADDRESS;
  if (!address) {
    server = await startDevServer({ uiPort: false });
    address = server.address;
  }
  project.provide('temporalAddress', address);
  project.provide('testServerPath', testServerPath());
  project.provide('temporalCliPath', temporalCliPath());
  return async () => {
    await server?.stop();
  };
}
