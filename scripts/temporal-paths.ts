import { existsSync } from 'node:fs';
import path from 'node:path';

/** The repository's root (scripts/ is one level down). */
export function repoRoot(): string {
  return path.resolve(__dirname, '..');
}

function binary(envVar: string, name: string): string {
  const fromEnv = process.env[envVar];
  const p = fromEnv || path.join(repoRoot(), '.temporal', 'pip', 'bin', name);
  if (!existsSync(p)) throw new Error(`${p} not found: run \`npm run setup\`${fromEnv ? ` or fix ${envVar}` : ''}`);
  return p;
}

/** The Temporal CLI (`temporal server start-dev`): TEMPORAL_CLI, else the one `npm run setup` installed. */
export function temporalCliPath(): string {
  return binary('TEMPORAL_CLI', 'temporal');
}

/** The time-skipping test server: TEMPORAL_TEST_SERVER, else the one `npm run setup` installed. */
export function testServerPath(): string {
  return binary('TEMPORAL_TEST_SERVER', 'temporal-test-server');
}
