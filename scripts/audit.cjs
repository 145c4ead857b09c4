#!/usr/bin/env node
// `npm test`'s supply-chain step: `npm audit --omit=dev` must report no high or critical advisory for what the
// product ships; a new one fails the run, naming the package, the range and the advisory. When the advisory
// service cannot be asked at all (offline, or a registry mirror that refuses the audit request), it says so
// plainly and the run goes on: that is "not checked", never "passed". (test/supply-chain.test.ts checks the
// lockfile pinning offline, and this file's report reading.)
'use strict';
const { execFile } = require('node:child_process');
const path = require('node:path');

const REPO = path.resolve(__dirname, '..');

/** Errors that say the advisory service could not be asked (not that the packages are fine). */
const UNREACHABLE = /^(E405|E403|E404|E5\d\d|ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENETUNREACH)$/;

/** npm's own answer: `npm audit` exits 1 when it finds something at the level or cannot reach the service. */
function npmAudit() {
  return new Promise((resolve, reject) => {
    execFile(
      'npm',
      ['audit', '--omit=dev', '--audit-level=high', '--json'],
      { cwd: REPO, timeout: 120_000, maxBuffer: 64 << 20 },
      (err, stdout) => {
        try {
          resolve(JSON.parse(stdout));
        } catch {
          reject(err ?? new Error(`npm audit printed no JSON: ${stdout.slice(0, 300)}`));
        }
      },
    );
  });
}

/** The high and critical findings of a report, one line each: package, affected range, severity, advisories. */
function highFindings(report) {
  return Object.entries(report.vulnerabilities ?? {})
    .filter(([, v]) => v.severity === 'high' || v.severity === 'critical')
    .map(
      ([name, v]) =>
        `${name} ${v.range} (${v.severity}): ${v.via.map((x) => (typeof x === 'string' ? `via ${x}` : `${x.title} ${x.url}`)).join('; ')}`,
    );
}

/** What a report means: `ok`, `findings` (with their lines) or `unreachable`/`error` (with the reason). */
function verdict(report) {
  if (!report.metadata) {
    const code = report.error?.code ?? (report.statusCode ? `E${report.statusCode}` : undefined) ?? '';
    if (UNREACHABLE.test(code)) return { kind: 'unreachable', reason: code };
    return { kind: 'error', reason: JSON.stringify(report).slice(0, 500) };
  }
  const lines = highFindings(report);
  return lines.length > 0 ? { kind: 'findings', lines } : { kind: 'ok', counts: report.metadata.vulnerabilities };
}

async function main() {
  const v = verdict(await npmAudit());
  if (v.kind === 'ok')
    return console.log(`audit: npm audit --omit=dev: no high or critical advisory ${JSON.stringify(v.counts)}`);
  if (v.kind === 'unreachable')
    return console.log(`audit: NOT CHECKED: the advisory service refused or could not be reached (${v.reason})`);
  if (v.kind === 'error') throw new Error(`npm audit failed: ${v.reason}`);
  throw new Error(
    `npm audit --omit=dev found high or critical advisories; upgrade or pin these, then update package-lock.json:\n  ${v.lines.join('\n  ')}`,
  );
}

module.exports = { highFindings, verdict };

if (require.main === module) {
  main().catch((err) => {
    console.error(`audit: ${err.message}`);
    process.exit(1);
  });
}
