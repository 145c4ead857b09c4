'use strict';
// Compose v5 (the line of the docker compose v2 plugin), the second compose client the compose tests drive:
// no package registry here ships its binary, so it is built from its Go module (the Go module proxy) once per
// machine into the git-ignored .temporal/compose/ (about 4 minutes on 2 cores; 800 MB of modules and cache
// beside it). Its go.mod has exclude directives, so `go install …@version` refuses it: the module is
// downloaded, copied and built in place. Only where the Linux driver runs (root), as the tests that use it.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const MODULE = 'github.com/docker/compose/v5';
const VERSION = 'v5.6.0';

/** Where the binary is (test/compose-client.ts reads the same path). */
function composeV5Path(repo) {
  return path.join(repo, '.temporal', 'compose', VERSION, 'docker-compose');
}

function composeV5(repo, { say, present, SetupError }) {
  const bin = composeV5Path(repo);
  if (fs.existsSync(bin)) return present(`Compose ${VERSION} present in ${path.relative(repo, path.dirname(bin))}`);
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status !== 0) throw new SetupError('go is missing: it builds Compose v5 for the compose tests');
  const dir = path.join(repo, '.temporal', 'compose');
  const env = {
    ...process.env,
    GOPATH: path.join(dir, 'gopath'),
    GOCACHE: path.join(dir, 'gocache'),
    GOFLAGS: '-modcacherw',
  };
  say(
    `building Compose ${VERSION} from its Go module into ${path.relative(repo, path.dirname(bin))} (once, a few minutes)`,
  );
  const dl = spawnSync('go', ['mod', 'download', '-json', `${MODULE}@${VERSION}`], { env, encoding: 'utf8' });
  if (dl.status !== 0) throw new SetupError(`go mod download ${MODULE}@${VERSION}: ${dl.stderr || dl.stdout}`);
  const src = path.join(dir, 'src');
  fs.rmSync(src, { recursive: true, force: true });
  fs.cpSync(JSON.parse(dl.stdout).Dir, src, { recursive: true });
  const ldflags = `-X ${MODULE}/internal.Version=${VERSION}`;
  const tmp = `${bin}.tmp`;
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  const b = spawnSync('go', ['build', '-trimpath', '-ldflags', ldflags, '-o', tmp, './cmd'], {
    env,
    cwd: src,
    stdio: 'inherit',
  });
  if (b.status !== 0) throw new SetupError(`building Compose ${VERSION} failed (exit ${b.status ?? b.signal})`);
  fs.renameSync(tmp, bin);
  fs.rmSync(src, { recursive: true, force: true });
  say(`Compose ${VERSION} built`);
}

module.exports = { composeV5, composeV5Path, COMPOSE_V5_VERSION: VERSION };
