import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { linuxApiSuite, DOCKER_CLI } from '../api-harness';
import { testNetwork } from '../linux-fixture';
import { REPO } from '../harness';
import { TmuxTerminal } from '../tmux';

// Stdin and terminals through the Engine API (Linux driver, conmon): Docker's own client in a real terminal
// (tmux), as a person types: exec -it (typed input, exit code, window size, resize), exec -i with piped stdin,
// stdout and stderr apart. Needs root: without it every test FAILS with the reason. Its own netns and subnet.

const suite = linuxApiSuite('cs-tty-linux', testNetwork('e2e/tty-linux'));
const rootIt = suite.it;
const run = (args: string[], timeoutMs?: number) => suite.docker(args, timeoutMs);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const TMUX = `cs-tty-${process.pid}`;
let terminals = 0;

/** The docker CLI in a fresh terminal of rows × cols. */
function terminal(args: string, size?: { rows: number; cols: number }): Promise<TmuxTerminal> {
  return TmuxTerminal.start(
    TMUX,
    `t${++terminals}`,
    `${DOCKER_CLI} ${args}`,
    { DOCKER_HOST: suite.apiHost(), DOCKER_CONFIG: '/tmp/cs-docker-config', HOME: '/tmp' },
    size,
  );
}

afterAll(() => TmuxTerminal.stopServer(TMUX));

/**
 * Types `stty size` until the shell reports rows × cols: the docker CLI sends each size in a request of its own
 * after the start or the SIGWINCH, which a command typed at once can overtake.
 */
async function sizeSeen(t: TmuxTerminal, rows: number, cols: number): Promise<void> {
  for (let i = 0; ; i++) {
    await t.type('stty size');
    try {
      await t.waitFor(new RegExp(`^${rows} ${cols}\\s*$`, 'm'), 1000);
      return;
    } catch (err) {
      if (i >= 20) throw err;
    }
  }
}

/** The running container the execs go to (made by the first test that needs it). */
async function box(): Promise<void> {
  if ((await run(['inspect', 'box'])).code === 0) return;
  const started = await run(['run', '-d', '--name', 'box', 'busybox', 'sleep', '1000']);
  expect(started.code, started.stderr).toBe(0);
}

describe('stdin and terminals (docker CLI, Linux driver)', () => {
  rootIt('exec: stdout and stderr apart; exec -i delivers piped stdin and its end', async () => {
    await box();
    const apart = await run(['exec', 'box', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect([apart.code, apart.stdout, apart.stderr]).toEqual([3, 'out\n', 'err\n']);
    const piped = await suite.dockerIn(['exec', '-i', 'box', 'sh', '-c', 'cat; echo done'], 'hello\nworld');
    expect([piped.code, piped.stdout, piped.stderr]).toEqual([0, 'hello\nworlddone\n', '']);
    // without -i the process's stdin is /dev/null whatever the client has
    const ignored = await suite.dockerIn(['exec', 'box', 'sh', '-c', 'cat; echo none'], 'dropped\n');
    expect([ignored.code, ignored.stdout]).toEqual([0, 'none\n']);
  });

  rootIt(
    'exec -it: typed input reaches a shell on a pty of the terminal size, a resize reaches it, exit code',
    async () => {
      await box();
      const t = await terminal('exec -it box sh', { rows: 30, cols: 100 });
      try {
        await t.waitFor(/# $/m);
        await t.type('stty size; tty');
        await t.waitFor(/^30 100\s*\n\/dev\/pts\/\d+/m);
        await t.resize(40, 120);
        await sizeSeen(t, 40, 120);
        await t.type('exit 7');
        expect(await t.exitCode()).toBe(7);
      } finally {
        await t.close();
      }
    },
  );
});

describe('exec sessions through the Engine API (dockerode, Linux driver)', () => {
  rootIt('stdin through a hijacked exec (frames 1 and 2), resize of a TTY-less exec, detach keys', async () => {
    const Docker = (await import('dockerode')).default;
    await box();
    const d = new Docker({ socketPath: suite.apiHost().replace(/^unix:\/\//, '') });
    const c = d.getContainer('box');
    const e = await c.exec({
      Cmd: ['sh', '-c', 'read line; echo "got $line"; echo warn >&2; sleep 2'],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await e.start({ hijack: true, stdin: true });
    // a TTY-less exec: a resize is taken and does nothing (containerd's answer too)
    await e.resize({ h: 10, w: 10 });
    stream.write('typed\n');
    const chunks: Buffer[] = [];
    stream.on('data', (b: Buffer) => chunks.push(b));
    await new Promise((r) => stream.on('end', r));
    const out = { stdout: '', stderr: '' };
    const all = Buffer.concat(chunks);
    for (let at = 0; at + 8 <= all.length; ) {
      const n = all.readUInt32BE(at + 4);
      out[all[at] === 1 ? 'stdout' : 'stderr'] += all.subarray(at + 8, at + 8 + n).toString();
      at += 8 + n;
    }
    expect(out).toEqual({ stdout: 'got typed\n', stderr: 'warn\n' });
    expect(await e.inspect()).toMatchObject({ Running: false, ExitCode: 0, OpenStdin: true });
    await expect(e.resize({ h: 10, w: 10 })).rejects.toMatchObject({ statusCode: 409 });

    // a TTY exec (raw stream): the server finds the detach keys in the input, ends the stream, the shell runs on
    const tty = await c.exec({ Cmd: ['sh'], AttachStdin: true, AttachStdout: true, Tty: true, ConsoleSize: [12, 34] });
    const raw = await tty.start({ hijack: true, stdin: true, Tty: true });
    let screen = '';
    raw.on('data', (b: Buffer) => (screen += b.toString()));
    raw.write('stty size\n');
    for (let i = 0; !screen.includes('12 34'); i++) {
      if (i > 200) throw new Error(`no stty size in ${JSON.stringify(screen)}`);
      await sleep(50);
    }
    await tty.resize({ h: 20, w: 50 });
    raw.write('stty size\n');
    for (let i = 0; !screen.includes('20 50'); i++) {
      if (i > 200) throw new Error(`no resized stty size in ${JSON.stringify(screen)}`);
      await sleep(50);
    }
    raw.write('\x10\x11');
    await new Promise((r) => raw.on('end', r));
    expect((await tty.inspect()).Running).toBe(true);
  });

  rootIt('exec -it: ctrl-p ctrl-q detaches, the shell runs on; --detach-keys of its own', async () => {
    await box();
    const t = await terminal('exec -it box sh -c "echo ready; exec sleep 500"');
    try {
      await t.waitFor(/ready/);
      await t.keys('C-p', 'C-q');
      // the docker CLI finds the keys itself, and ends its exec with this error (as against Docker's daemon)
      expect(await t.exitCode(), await t.screen()).toBe(1);
      expect(await t.screen()).toContain('read escape sequence');
      const ps = await run(['exec', 'box', 'ps', '-o', 'args']);
      expect(ps.stdout).toContain('sleep 500');
    } finally {
      await t.close();
    }
    const bad = await run(['exec', '-i', '--detach-keys', 'ctrl-', 'box', 'true']);
    expect([bad.code, bad.stderr]).toEqual([1, 'Error response from daemon: Invalid escape keys (ctrl-) provided\n']);
    const own = await terminal('exec -it --detach-keys ctrl-x,x box sh');
    try {
      await own.waitFor(/# $/m);
      await own.keys('C-x', 'x');
      expect(await own.exitCode()).toBe(1);
    } finally {
      await own.close();
    }
  });
});

describe("the project CLI's interactive sessions (Linux driver)", () => {
  const project = () => ({
    TEMPORAL_ADDRESS: suite.w.address,
    CONTAINER_SAGA_TASK_QUEUE: suite.w.taskQueue,
    CONTAINER_SAGA_ROOT: suite.rt.root,
    CONTAINER_SAGA_HOST: suite.rt.hostName,
    NO_COLOR: '1',
  });
  const bin = `${process.execPath} ${path.join(REPO, 'bin/container-saga.cjs')}`;

  rootIt('exec -it: raw terminal, typed input, the window size and SIGWINCH, the exit code', async () => {
    await box();
    const t = await TmuxTerminal.start(TMUX, `p${++terminals}`, `cd ${REPO}; ${bin} exec -it box sh`, project(), {
      rows: 25,
      cols: 90,
    });
    try {
      await t.waitFor(/# $/m, 30_000);
      await t.type('stty size');
      await t.waitFor(/^25 90\s*$/m);
      await t.resize(33, 111);
      await sizeSeen(t, 33, 111); // the window's new size through SIGWINCH
      await t.type('exit 4');
      expect(await t.exitCode(30_000), await t.screen()).toBe(4);
    } finally {
      await t.close();
    }
  });

  rootIt('run -it, detach, attach back: typed input, SIGWINCH, the exit code', async () => {
    const line = `cd ${REPO}; ${bin} run -it --name pshell busybox sh`;
    const t = await TmuxTerminal.start(TMUX, `p${++terminals}`, line, project(), { rows: 22, cols: 77 });
    try {
      await t.waitFor(/# $/m, 30_000);
      await sizeSeen(t, 22, 77);
      await t.resize(30, 90);
      await sizeSeen(t, 30, 90);
      await t.keys('C-p', 'C-q');
      expect(await t.exitCode(30_000), await t.screen()).toBe(0);
    } finally {
      await t.close();
    }
    const back = await TmuxTerminal.start(TMUX, `p${++terminals}`, `cd ${REPO}; ${bin} attach pshell`, project());
    try {
      await back.type('echo back-$((2+2))');
      await back.waitFor(/back-4/, 30_000);
      await back.type('exit 9');
      expect(await back.exitCode(30_000), await back.screen()).toBe(9);
    } finally {
      await back.close();
    }
  });

  rootIt('exec -i: piped stdin reaches the command, stdout and stderr apart', async () => {
    await box();
    const r = await cliIn(['exec', '-i', 'box', 'sh', '-c', 'cat; echo e >&2; exit 2'], 'piped\n', project());
    expect([r.code, r.stdout, r.stderr]).toEqual([2, 'piped\n', 'e\n']);
  });
});

/** The project CLI with `input` as its stdin. */
function cliIn(
  args: string[],
  input: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO, 'bin/container-saga.cjs'), ...args], {
      cwd: REPO,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('containers with stdin and a terminal (docker CLI, Linux driver)', () => {
  rootIt('run -it: the first prompt, typed input, the size and a resize; detach, attach back, exit code', async () => {
    const t = await terminal('run -it --name shell busybox sh', { rows: 26, cols: 81 });
    try {
      await t.waitFor(/# $/m, 30_000);
      await sizeSeen(t, 26, 81); // the docker CLI sizes the pty once the start has answered
      await t.resize(35, 100);
      await sizeSeen(t, 35, 100); // and on SIGWINCH
      await t.type('echo marker-$((6*7))');
      await t.waitFor(/^marker-42/m);
      await t.keys('C-p', 'C-q');
      expect(await t.exitCode(), await t.screen()).toBe(0);
    } finally {
      await t.close();
    }
    expect((await run(['inspect', '-f', '{{.State.Running}}', 'shell'])).stdout).toBe('true\n');
    const back = await terminal('attach shell');
    try {
      await back.type('echo again-$((1+1))');
      await back.waitFor(/again-2/);
      await back.type('exit 5');
      expect(await back.exitCode(), await back.screen()).toBe(5);
    } finally {
      await back.close();
    }
    const stopped = await run(['attach', 'shell']);
    expect([stopped.code, stopped.stderr]).toEqual([1, 'You cannot attach to a stopped container, start it first\n']);
    // start -ai: attached before the start, the same shell's next run
    const again = await terminal('start -ai shell');
    try {
      await again.waitFor(/# $/m, 30_000);
      await again.type('exit 3');
      expect(await again.exitCode(), await again.screen()).toBe(3);
    } finally {
      await again.close();
    }
  });

  rootIt(
    'run -i with piped stdin: the whole input, its end, stdout and stderr apart; bad detach keys, resize 409',
    async () => {
      const r = await suite.dockerIn(
        ['run', '-i', '--rm', 'busybox', 'sh', '-c', 'cat; echo e >&2; exit 6'],
        'in\nput',
      );
      expect([r.code, r.stdout, r.stderr]).toEqual([6, 'in\nput', 'e\n']);
      const Docker = (await import('dockerode')).default;
      const d = new Docker({ socketPath: suite.apiHost().replace(/^unix:\/\//, '') });
      const c = await d.createContainer({ Image: 'busybox', Cmd: ['cat'], OpenStdin: true });
      await expect(c.attach({ stream: true, stdin: true, stdout: true, detachKeys: 'ctrl-' })).rejects.toMatchObject({
        statusCode: 400,
        message: expect.stringContaining('Invalid detach keys (ctrl-) provided'),
      });
      // a resize of a container not running: Docker's 409
      await expect(c.resize({ h: 10, w: 10 })).rejects.toMatchObject({ statusCode: 409 });
      await c.remove();
    },
  );
});
