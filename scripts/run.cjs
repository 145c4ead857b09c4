#!/usr/bin/env node
// `npm run worker` and `npm run api`: `node scripts/run.cjs worker/main` runs dist/worker/main.js in this very
// process (no TypeScript loader, no loader parent process) when dist/ is fresh (scripts/build.cjs), else the
// TypeScript source through tsx, with a note saying so.
'use strict';
const path = require('node:path');
const { dist, isFresh } = require('./build.cjs');

const entry = process.argv[2];
if (!entry) {
  console.error('usage: node scripts/run.cjs worker/main|api/main [args…]');
  process.exit(2);
}
process.argv.splice(2, 1); // the program sees its own arguments only
if (isFresh()) {
  require(path.join(dist, `${entry}.js`));
} else {
  console.error(
    `note: dist/ is missing or older than the sources: running ${entry}.ts through tsx (\`npm run build\` to run the compiled JavaScript)`,
  );
  require('tsx/cjs');
  require(path.resolve(__dirname, '..', `${entry}.ts`));
}
