#!/usr/bin/env node
// The `container-saga` command: runs the compiled CLI, dist/client/cli.js, when dist/ is fresh (built from the
// sources as they are: scripts/build.cjs, which `npm run setup` runs), else the TypeScript CLI (client/cli.ts)
// through tsx, so a fresh clone and an edit not yet built still work.
// Through tsx, the Temporal client, the CLI's biggest dependency, is loaded before tsx registers its hooks:
// through them every one of its files would also pass tsx's resolver and loader (~0.3 s per command).
const { isFresh } = require('../scripts/build.cjs');
if (isFresh()) {
  require('../dist/client/cli.js');
} else {
  require('@temporalio/client');
  require('tsx/cjs');
  require('../client/cli.ts');
}
