import { describe, expect } from 'vitest';
import { list, readEvents } from '../../client/api';
import { leaksOf } from '../../runtime/drivers/linux/probe';
import { linuxApiSuite } from '../api-harness';
import { testNetwork } from '../linux-fixture';

// Docker's own client (Debian's /usr/bin/docker 20.10) against the Engine API, in front of a worker driving
// real containers (runc): run with and without --rm (attach, wait, start), logs, exec, events, published ports
// (run -p, port, ps), stop, rm.
// Needs root: without it every test FAILS with the reason (CI runs as root). Its own netns, bridge and subnet.

const suite = linuxApiSuite('cs-api-linux', testNetwork('e2e/api-linux'));
const rootIt = suite.it;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const run = (args: string[], timeoutMs?: number) => suite.docker(args, timeoutMs);
const unix = (ms: number) => (ms / 1000).toFixed(3);

/** The IDs of every container created since the file began, from the recorded events. */
async function createdIds(): Promise<string[]> {
  return (await readEvents(suite.w.session, 0)).events.filter((e) => e.action === 'create').map((e) => e.id);
}

const STAMPED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z started\n$/;
const t0 = Date.now() - 1000;
let webId = '';

describe('the docker CLI against the Engine API (Linux driver)', () => {
  rootIt('docker run --rm busybox echo hi: prints hi, exits 0, and the container is gone', async () => {
    const r = await run(['run', '--rm', 'busybox', 'echo', 'hi']);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'hi\n', '']);
    // the CLI waited for its removal (wait?condition=removed): no container is left
    expect(await list(suite.w.session, true)).toEqual([]);
    const ids = await createdIds();
    expect(ids).toHaveLength(1);
    const actions = (await readEvents(suite.w.session, 0)).events.filter((e) => e.id === ids[0]).map((e) => e.action);
    expect(actions).toEqual(['create', 'start', 'die', 'destroy']);
  });

  rootIt('docker run: stdout and stderr, each on its own stream, exit code 3', async () => {
    const r = await run(['run', '--name', 'three', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect([r.code, r.stdout, r.stderr]).toEqual([3, 'out\n', 'err\n']);
    const rm = await run(['rm', 'three']);
    expect([rm.code, rm.stdout]).toEqual([0, 'three\n']);
  });

  rootIt(
    'docker run -d, logs, logs --tail 1 -t, exec (output, stderr and exit code, a missing command, no stdin)',
    async () => {
      const started = await run(['run', '-d', '--name', 'web', 'busybox', 'sh', '-c', 'echo started; sleep 1000']);
      expect(started.code, started.stderr).toBe(0);
      expect(started.stdout).toMatch(/^[0-9a-f]{64}\n$/);
      webId = started.stdout.trim();
      let logs = await run(['logs', 'web']);
      for (let i = 0; logs.stdout === '' && i < 50; i++) {
        await sleep(100);
        logs = await run(['logs', 'web']);
      }
      expect([logs.code, logs.stdout, logs.stderr]).toEqual([0, 'started\n', '']);
      const tail = await run(['logs', '--tail', '1', '-t', 'web']);
      expect(tail.code, tail.stderr).toBe(0);
      expect(tail.stdout).toMatch(STAMPED);

      const hi = await run(['exec', 'web', 'echo', 'hi']);
      expect([hi.code, hi.stdout, hi.stderr]).toEqual([0, 'hi\n', '']);
      const three = await run(['exec', 'web', 'sh', '-c', 'echo e >&2; exit 3']);
      expect([three.code, three.stdout, three.stderr]).toEqual([3, '', 'e\n']);
      const env = await run(['exec', '-e', 'GREETING=bye', '-w', '/tmp', 'web', 'sh', '-c', 'echo $GREETING; pwd']);
      expect([env.code, env.stdout]).toEqual([0, 'bye\n/tmp\n']);
      // Docker writes why the exec could not run into its stream (the CLI prints it on stdout) and exits 127
      const missing = await run(['exec', 'web', 'nosuchcmd']);
      expect(missing.code).toBe(127);
      expect(missing.stdout).toMatch(
        /^OCI runtime exec failed: .*exec: "nosuchcmd": executable file not found in \$PATH: unknown\r\n$/,
      );
      // -i delivers the client's stdin (here /dev/null: at once its end)
      const stdin = await run(['exec', '-i', 'web', 'sh', '-c', 'cat; echo done']);
      expect([stdin.code, stdin.stdout]).toEqual([0, 'done\n']);
    },
  );

  rootIt('docker logs -f follows until the container is stopped', async () => {
    const follow = run(['logs', '-f', 'web']);
    await sleep(1500);
    const stopped = await run(['stop', '-t', '1', 'web']);
    expect([stopped.code, stopped.stdout]).toEqual([0, 'web\n']);
    const r = await follow;
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'started\n', '']);
  });

  rootIt("docker events --since --until: the containers' create, start, exec and die, in Docker's format", async () => {
    const t1 = Date.now() + 500;
    await sleep(600); // until in the past: the CLI gets the matching events and the stream ends
    const r = await run(['events', '--since', unix(t0), '--until', unix(t1)]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const of = (id: string) =>
      lines.filter((l) => l.includes(` ${id} `)).map((l) => /^\S+ container (\S+)/.exec(l)?.[1]);
    const ids = await createdIds();
    expect(ids).toHaveLength(3); // run --rm, three, web
    expect(of(ids[0]!)).toEqual(['create', 'start', 'die', 'destroy']);
    expect(of(ids[1]!)).toEqual(['create', 'start', 'die', 'destroy']);
    expect(of(webId)).toEqual(
      expect.arrayContaining(['create', 'start', 'exec_create:', 'exec_start:', 'exec_die', 'die', 'stop']),
    );
    expect(lines.find((l) => l.includes(` container create ${webId} `))).toMatch(
      /^\d{4}-\d{2}-\d{2}T\S+ container create [0-9a-f]{64} \(image=busybox, name=web\)$/,
    );
    const die = await run([
      'events',
      '--since',
      unix(t0),
      '--until',
      unix(t1),
      '--filter',
      'container=web',
      '--filter',
      'event=die',
    ]);
    expect(die.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`container die ${webId} \\(exitCode=137, image=busybox, name=web\\)$`)),
    ]);
  });

  rootIt("docker run -d -p, docker port, ps and inspect; a taken port is Docker's error", async () => {
    const script = 'mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 8080 -h /www';
    const web = await run(['run', '-d', '--name', 'pweb', '-p', '127.0.0.1::8080', 'busybox', 'sh', '-c', script]);
    expect([web.code, web.stderr]).toEqual([0, '']);
    const port = await run(['port', 'pweb']);
    expect(port.stdout).toMatch(/^8080\/tcp -> 127\.0\.0\.1:\d+\n$/);
    const hostPort = Number(/:(\d+)\n$/.exec(port.stdout)![1]);
    let body = '';
    for (let i = 0; body !== 'hello\n' && i < 50; i++) {
      await sleep(100);
      body = await fetch(`http://127.0.0.1:${hostPort}/index.html`).then(
        (r) => r.text(),
        () => '',
      );
    }
    expect(body).toBe('hello\n');
    const ps = await run(['ps', '--filter', 'name=pweb', '--format', '{{.Ports}}']);
    expect(ps.stdout).toBe(`127.0.0.1:${hostPort}->8080/tcp\n`);
    const bindings = await run(['inspect', '-f', '{{json .HostConfig.PortBindings}}', 'pweb']);
    expect(bindings.stdout).toBe('{"8080/tcp":[{"HostIp":"127.0.0.1","HostPort":""}]}\n');

    const taken = await run(['run', '-d', '--name', 'pweb2', '-p', `127.0.0.1:${hostPort}:8080`, 'busybox', 'sh']);
    expect(taken.code).toBe(125);
    expect(taken.stderr).toMatch(
      new RegExp(
        `^docker: Error response from daemon: driver failed programming external connectivity on endpoint pweb2 \\([0-9a-f]{64}\\): Bind for 127\\.0\\.0\\.1:${hostPort} failed: port is already allocated\\.\n`,
      ),
    );
    const rm = await run(['rm', '-f', 'pweb', 'pweb2']);
    expect([rm.code, rm.stdout]).toEqual([0, 'pweb\npweb2\n']);
  });

  rootIt('docker rm, and nothing is left of any container', async () => {
    const rm = await run(['rm', 'web']);
    expect([rm.code, rm.stdout]).toEqual([0, 'web\n']);
    const ps = await run(['ps', '-aq']);
    expect([ps.code, ps.stdout]).toEqual([0, '']);
    const ids = await createdIds();
    for (const id of ids) expect(await leaksOf(suite.rt.root, id)).toEqual([]);
  });
});
