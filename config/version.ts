import { readFileSync } from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

/**
 * container-saga's version, from the repository's package.json: one folder up from config/ when running the
 * sources, two from dist/config/ when running the build (package.json is not compiled into dist/).
 * 'unknown' when neither is there.
 */
export function productVersion(): string {
  if (cached !== undefined) return cached;
  cached = 'unknown';
  for (const up of ['..', '../..']) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(__dirname, up, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'container-saga' && pkg.version) {
        cached = pkg.version;
        break;
      }
    } catch {
      // not there: the next candidate
    }
  }
  return cached;
}
