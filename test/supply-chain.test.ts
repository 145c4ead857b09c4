import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The supply chain: the lockfile pins every dependency (what `npm ci` in setup installs, integrity-checked).
 * The advisory audit itself runs before the tests (scripts/audit.cjs in `npm test`).
 */

const REPO = path.resolve(__dirname, '..');

interface Lock {
  lockfileVersion: number;
  packages: Record<
    string,
    {
      version?: string;
      integrity?: string;
      link?: boolean;
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    }
  >;
}

// The live audit is `npm test`'s step scripts/audit.cjs (it fails the run on a high finding); its reading of
// npm's report is checked here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { verdict } = require('../scripts/audit.cjs') as {
  verdict: (report: object) => { kind: string; lines?: string[]; reason?: string };
};

describe('supply chain', () => {
  it('the lockfile pins every dependency of package.json, each with its integrity hash (npm ci installs exactly these)', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const lock = JSON.parse(readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')) as Lock;
    expect(lock.lockfileVersion).toBeGreaterThanOrEqual(2);
    const root = lock.packages[''] ?? {};
    // the lock was made for this package.json (npm ci refuses it otherwise)
    expect(root.dependencies).toEqual(pkg.dependencies);
    expect(root.devDependencies).toEqual(pkg.devDependencies);
    for (const name of [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)])
      expect(lock.packages[`node_modules/${name}`]?.version, name).toBeTruthy();
    const unpinned = Object.entries(lock.packages)
      .filter(([p, e]) => p !== '' && !e.link && !/^sha512-/.test(e.integrity ?? ''))
      .map(([p]) => p);
    expect(unpinned).toEqual([]);
    // setup installs from the lock: `npm ci`, never a resolving `npm install`, when there is one
    expect(readFileSync(path.join(REPO, 'scripts', 'setup.cjs'), 'utf8')).toMatch(/hasLock \? 'ci' : 'install'/);
  });

  it('a high finding in a report is named with its advisory (what the audit above fails with)', () => {
    const report = {
      metadata: { vulnerabilities: { info: 0, low: 0, moderate: 1, high: 1, critical: 0, total: 2 } },
      vulnerabilities: {
        somelib: {
          severity: 'high',
          range: '<1.2.3',
          via: [{ title: 'Prototype pollution', url: 'https://example.invalid/GHSA-x' }],
        },
        otherlib: { severity: 'moderate', range: '*', via: ['somelib'] },
      },
    };
    expect(verdict(report)).toEqual({
      kind: 'findings',
      lines: ['somelib <1.2.3 (high): Prototype pollution https://example.invalid/GHSA-x'],
    });
    report.vulnerabilities.somelib.severity = 'moderate';
    expect(verdict(report)).toMatchObject({ kind: 'ok' });
  });

  it('an advisory service that refuses the request is "not checked", any other npm error an error', () => {
    expect(verdict({ error: { code: 'E405', summary: '405 Method Not Allowed' } })).toEqual({
      kind: 'unreachable',
      reason: 'E405',
    });
    expect(verdict({ statusCode: 503 })).toEqual({ kind: 'unreachable', reason: 'E503' });
    expect(verdict({ error: { code: 'EJSONPARSE' } })).toMatchObject({ kind: 'error' });
  });
});
