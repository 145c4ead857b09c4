/**
 * api/listen.ts and api/socket-dir.ts: the socket never exists with the umask's mode, its directory is ours
 * and writable by no one else (ssh's rule), and CONTAINER_SAGA_API_GROUP gives it a group or refuses to start.
 */
import { execFile } from 'node:child_process';
import { promises as fs, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOnSocket } from '../../api/listen';
import { groupId, prepareSocketDir } from '../../api/socket-dir';
import { startApi } from '../../api/start';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-api-listen-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const close = (s: http.Server) => new Promise((r) => s.close(r));
const mode = (p: string) => (statSync(p).mode & 0o7777).toString(8);

describe('the API socket', () => {
  it('is bound in a private directory and renamed into place with mode 0660, even under umask 0', async () => {
    const socketPath = path.join(dir, 'u', 'docker.sock');
    const server = http.createServer();
    const atBind: string[] = [];
    server.once('listening', () => {
      const bound = server.address() as string;
      atBind.push(bound === socketPath ? 'bound at the final path' : `staging dir ${mode(path.dirname(bound))}`);
      atBind.push(statSync(socketPath, { throwIfNoEntry: false }) ? 'final path exists' : 'final path absent');
    });
    const umask = process.umask(0);
    try {
      await listenOnSocket(server, socketPath);
    } finally {
      process.umask(umask);
    }
    expect(atBind).toEqual(['staging dir 700', 'final path absent']);
    expect(mode(socketPath)).toBe('660');
    expect(await fs.readdir(path.dirname(socketPath))).toEqual(['docker.sock']); // no staging dir left
    await close(server);
    expect(statSync(socketPath, { throwIfNoEntry: false })).toBeUndefined(); // removed on close
  });

  it('replaces a stale socket file atomically and leaves a live one alone', async () => {
    const socketPath = path.join(dir, 's', 'docker.sock');
    const first = http.createServer();
    await listenOnSocket(first, socketPath);
    const second = http.createServer();
    await expect(listenOnSocket(second, socketPath)).rejects.toThrow(/another server already listens/);
    await fs.writeFile(path.join(dir, 's', 'stale.sock'), '');
    await listenOnSocket(second, path.join(dir, 's', 'stale.sock'));
    expect(statSync(path.join(dir, 's', 'stale.sock')).isSocket()).toBe(true);
    await Promise.all([close(first), close(second)]);
  });

  it('takes the group CONTAINER_SAGA_API_GROUP names, and refuses to start for a group that does not exist', async () => {
    const socketPath = path.join(dir, 'g', 'docker.sock');
    const api = await startApi({
      env: { TEMPORAL_ADDRESS: '127.0.0.1:1', CONTAINER_SAGA_API_GROUP: 'daemon' },
      socketPath,
    });
    try {
      const st = statSync(socketPath);
      expect([st.gid, mode(socketPath)]).toEqual([await groupId('daemon'), '660']);
    } finally {
      await api.close();
    }
    await expect(
      startApi({
        env: { TEMPORAL_ADDRESS: '127.0.0.1:1', CONTAINER_SAGA_API_GROUP: 'no-such-group-cs' },
        socketPath: path.join(dir, 'g2', 'docker.sock'),
      }),
    ).rejects.toThrow('CONTAINER_SAGA_API_GROUP: there is no group named "no-such-group-cs" on this host');
    expect(statSync(path.join(dir, 'g2'), { throwIfNoEntry: false })).toBeUndefined(); // refused before anything
  });
});

describe("the socket's directory", () => {
  it('refuses one writable by group or others, or owned by another user', async () => {
    const open = path.join(dir, 'open');
    await fs.mkdir(open, { mode: 0o700 });
    await fs.chmod(open, 0o775);
    await expect(prepareSocketDir(open)).rejects.toThrow(`is writable by group or others (mode 775)`);
    await expect(listenOnSocket(http.createServer(), path.join(open, 'docker.sock'))).rejects.toThrow(
      /writable by group/,
    );
    await expect(prepareSocketDir(os.tmpdir(), { shared: false, uid: 0 })).rejects.toThrow(
      /writable by group or others \(mode 1777\)/,
    );
    const theirs = path.join(dir, 'theirs');
    await fs.mkdir(theirs, { mode: 0o700 });
    await fs.chown(theirs, 65534, 65534);
    await expect(prepareSocketDir(theirs)).rejects.toThrow(`belongs to uid 65534, not to this user (uid 0)`);
  });

  it('for a user: made 0700 when missing; an existing one must be theirs', async () => {
    // Run as nobody (uid 65534), the way a non-root user starts the API.
    const home = path.join(dir, 'nobody');
    await fs.mkdir(home, { mode: 0o755 });
    await fs.chown(home, 65534, 65534);
    await fs.chmod(dir, 0o755);
    const rootOwned = path.join(dir, 'root-owned');
    await fs.mkdir(rootOwned, { mode: 0o755 });
    // The checkout may be readable by root only (a clone in `mktemp -d`): nobody runs a copy of socket-dir.ts
    // (Node's built-ins only) compiled by TypeScript into its own directory.
    const source = await fs.readFile(path.resolve(__dirname, '../../api/socket-dir.ts'), 'utf8');
    const compiled = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS } }).outputText;
    const script = path.join(home, 'check.cjs');
    await fs.writeFile(
      script,
      `${compiled}
       (async () => {
         for (const d of process.argv.slice(2))
           console.log(await exports.prepareSocketDir(d).then(() => 'ok', (e) => e.message));
       })();`,
    );
    const made = path.join(home, 'run', 'container-saga');
    const { stdout } = await run(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, script, made, rootOwned],
      { env: { PATH: process.env.PATH, HOME: home } },
    );
    const [first, second] = stdout.trim().split('\n');
    expect(first).toBe('ok');
    expect([mode(made), mode(path.dirname(made)), statSync(made).uid]).toEqual(['700', '700', 65534]);
    expect(second).toMatch(`belongs to uid 0, not to this user (uid 65534)`);
  });
});
