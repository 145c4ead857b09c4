#!/usr/bin/env node
// `npm run build`: compiles the product (tsconfig.build.json's folders: api, common, config, workflows,
// activities, runtime, worker, client, images, layers, metrics, registry) to dist/, CommonJS in the same
// layout, so the worker, the CLI and the API server run with plain node instead of a TypeScript loader (less
// than half the memory, no per-command loader start-up). Tests, scripts/ and tooling stay TypeScript (vitest, tsx).
//
//   node scripts/build.cjs [--if-stale] [--quiet]
//     --if-stale  build only when a source is newer than the last build (what setup.cjs runs)
//     --quiet     no "dist/ up to date" line
//
// Freshness is a stamp, dist/.built, whose mtime is the time the last build started: dist/ is fresh when no
// source file, and no folder holding one (a folder's mtime moves when a file in it is added, removed or
// renamed), is newer, nor tsconfig.json / tsconfig.build.json. bin/container-saga.cjs and scripts/run.cjs
// check it on every start (a few hundred stat calls, about a millisecond) and run the TypeScript through tsx
// when dist/ is missing or stale, so a fresh clone and an edit not yet built both still run the sources.
//
// The build also bundles the compiled workflows (dist/workflows) into dist/workflow-bundle.js with the SDK's
// bundler, as the worker would at every start-up: the compiled worker starts from that file, so it neither
// runs webpack (seconds) nor keeps what webpack left in its heap (~60 MB of RSS).
//
// Type errors do not stop the build: tsc emits anyway (exit 2), the same JavaScript tsx would run from the
// same sources, so dist/ is stamped; `npm run build` exits non-zero and setup warns (`npm run typecheck`).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const repo = path.resolve(__dirname, '..');
const dist = path.join(repo, 'dist');
const stamp = path.join(dist, '.built');
const bundle = path.join(dist, 'workflow-bundle.js'); // worker/create.ts's BUILT_WORKFLOW_BUNDLE
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json'].map((f) => path.join(repo, f));

function mtime(p) {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return -1;
  }
}

/** The folders tsconfig.build.json compiles (its `include`), so the list lives in one place. */
function sourceDirs() {
  return JSON.parse(fs.readFileSync(path.join(repo, 'tsconfig.build.json'), 'utf8')).include.map((d) =>
    path.join(repo, d),
  );
}

/** The newest mtime of the .ts files under `dir` and of the folders themselves. */
function newest(dir) {
  let max = mtime(dir);
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return max;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) max = Math.max(max, newest(p));
    else if (e.name.endsWith('.ts')) max = Math.max(max, mtime(p));
  }
  return max;
}

/** True when dist/ was built from the sources as they are now. */
function isFresh() {
  const built = mtime(stamp);
  if (built < 0) return false;
  try {
    return Math.max(...CONFIGS.map(mtime), ...sourceDirs().map(newest)) <= built;
  } catch {
    return false;
  }
}

/** dist/'s .js files whose source is gone (tsc never deletes outputs): a stale module must not stay loadable. */
function prune(dir = dist) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      prune(p);
      if (fs.readdirSync(p).length === 0) fs.rmdirSync(p);
    } else if (
      e.name.endsWith('.js') &&
      p !== bundle &&
      !fs.existsSync(path.join(repo, path.relative(dist, p)).replace(/\.js$/, '.ts'))
    ) {
      fs.rmSync(p);
    }
  }
}

/** Bundles dist/workflows into dist/workflow-bundle.js (in a child: the SDK's bundler is async and heavy). */
async function writeBundle() {
  const { bundleWorkflowCode, DefaultLogger } = require(require.resolve('@temporalio/worker', { paths: [repo] }));
  // worker/create.ts's WORKFLOW_BUNDLE, compiled: the workflows and their interceptors
  const workflows = path.join(dist, 'workflows');
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(workflows, 'index.js'),
    workflowInterceptorModules: [path.join(workflows, 'interceptors.js')],
    logger: new DefaultLogger('WARN'),
  });
  fs.writeFileSync(`${bundle}.tmp`, code);
  fs.renameSync(`${bundle}.tmp`, bundle);
}

/**
 * Runs tsc -p tsconfig.build.json, bundles the workflows and stamps dist/. Returns tsc's exit status: 0 built,
 * 2 built with type errors; anything else built nothing (undefined when TypeScript is not installed, e.g.
 * `npm ci --omit=dev`; 1 as well when the workflows did not bundle).
 */
function build() {
  let tsc;
  try {
    tsc = require.resolve('typescript/bin/tsc', { paths: [repo] });
  } catch {
    return undefined;
  }
  const started = new Date();
  const { spawnSync } = require('node:child_process'); // here: the launchers load this file on every start
  // Until this build has stamped, dist/ is stale (a failed build runs the sources), and the bundle is never one
  // of an earlier build beside this one's workflows.
  fs.rmSync(stamp, { force: true });
  fs.rmSync(bundle, { force: true });
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: repo, stdio: 'inherit' });
  if (r.status !== 0 && r.status !== 2) return r.status ?? 1;
  prune();
  if (
    spawnSync(process.execPath, [path.join(__dirname, 'build.cjs'), '--bundle-workflows'], {
      cwd: repo,
      stdio: 'inherit',
    }).status !== 0
  )
    return 1;
  fs.writeFileSync(stamp, '');
  fs.utimesSync(stamp, started, started);
  return r.status;
}

/** For setup.cjs: builds when dist/ is stale; `say` prints what happened, `present` the up-to-date line. */
function buildIfStale(say, present) {
  if (isFresh()) return present('dist/ up to date');
  say('npm run build (tsc -p tsconfig.build.json into dist/)');
  const status = build();
  if (status === undefined)
    say('TypeScript is not installed: no dist/, the worker and the CLI run the sources through tsx');
  else if (status === 2)
    say('type errors (see above, or `npm run typecheck`): dist/ built anyway, as tsx would run the same sources');
  else if (status !== 0)
    say(
      `the build failed (exit ${status}): the worker and the CLI run the sources through tsx until \`npm run build\` succeeds`,
    );
}

module.exports = { dist, isFresh, build, buildIfStale };

if (require.main === module) {
  const args = new Set(process.argv.slice(2));
  const say = (msg) => console.log(`build: ${msg}`);
  if (args.has('--bundle-workflows')) {
    writeBundle().catch((err) => {
      console.error(`build: bundling dist/workflows failed: ${err.stack || err}`);
      process.exitCode = 1;
    });
  } else if (args.has('--if-stale')) {
    buildIfStale(say, (msg) => args.has('--quiet') || say(msg));
  } else {
    const status = build();
    if (status === undefined) say('TypeScript is not installed (npm ci without --omit=dev)');
    process.exitCode = status ?? 1;
  }
}
