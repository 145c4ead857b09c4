#!/usr/bin/env node
// The `container-saga` command: runs the TypeScript CLI (client/cli.ts) through tsx, without a build step.
// The Temporal client, the CLI's biggest dependency, is loaded before tsx registers its hooks: through them
// every one of its files would also pass tsx's resolver and loader, which costs ~0.3 s per command.
require('@temporalio/client');
require('tsx/cjs');
require('../client/cli.ts');
