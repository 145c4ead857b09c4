import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The SDK's native bridge crashes in worker threads: child processes only.
    pool: 'forks',
    poolOptions: {
      forks: {
        // A fresh process per test file, so each file may call Runtime.install (allowed once per process)
        // and gets its own native runtime. Never turn isolation off or use singleFork with the SDK.
        isolate: true,
        // vitest's default is cores - 1, i.e. no parallelism on the 2-core CI machines; 2 files at a time
        // is safe (they share only the dev server, and time-skipping files each start their own test server).
        maxForks: Math.max(2, os.availableParallelism() - 1),
      },
    },
    // Every client and worker the tests make, in process (test/harness.ts) or as a child (the CLI, the API),
    // encrypts payloads with the committed test key (test/global-setup.ts makes the file mode 0600).
    env: { CONTAINER_SAGA_CODEC_KEYS: path.resolve(__dirname, 'test/fixtures/codec-test-keys.json') },
    // One dev server for the whole run, its address handed to files with inject('temporalAddress').
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // .ci/run reads the JSON report for its closing "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
