#!/usr/bin/env node
// The `container-saga` command: registers tsx so the TypeScript CLI runs without a build step.
require('tsx/cjs');
require('../client/cli.ts');
