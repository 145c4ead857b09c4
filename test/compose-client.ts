import path from 'node:path';

/** Compose v5's binary, as `npm run setup` builds it (scripts/compose-v5.cjs). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { composeV5Path: pathIn } = require('../scripts/compose-v5.cjs') as { composeV5Path(repo: string): string };

export function composeV5Path(): string {
  return pathIn(path.resolve(__dirname, '..'));
}
