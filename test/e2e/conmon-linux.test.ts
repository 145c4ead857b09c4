import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect } from 'vitest';
import { daemonEnv } from '../../common/env';
import { leaksOf } from '../../runtime/drivers/linux/probe';
import { pageText } from '../../runtime/logs';
import { linuxApiSuite } from '../api-harness';
import { cli, until } from '../harness';
import { testNetwork } from '../linux-fixture';
import { startLegacy } from '../linux/legacy-shim';

// The container's process under conmon, with real containers: one process per running container, stdout and
// stderr apart in docker logs (docker CLI) and the project CLI, and a container of the previous release's shim
// still probed, stopped and read after an upgrade. Needs root: without it every test FAILS with the reason.

const suite = linuxApiSuite('cs-conmon-linux', testNetwork('e2e/conmon-linux'));
const rootIt = suite.it;
const docker = (args: string[]) => suite.docker(args);

/** Every process whose command line names `id` (conmon's does: --cid), with its pid and command line. */
async function processesNaming(id: string): Promise<{ pid: number; ppid: number; cmd: string }[]> {
  const found: { pid: number; ppid: number; cmd: string }[] = [];
  for (const name of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmd = (await fs.readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ');
    if (!cmd.includes(id)) continue;
    const stat = await fs.readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    found.push({ pid: Number(name), ppid, cmd });
  }
  return found;
}

const ppidOf = async (pid: number) => {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
};

describe('conmon (Linux driver)', () => {
  rootIt('a running container is held by one conmon, its parent; no runc, sh or runc events is left', async () => {
    const r = await docker(['run', '-d', '--name', 'one', 'busybox', 'sleep', '300']);
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    const pid = (await suite.docker(['inspect', '-f', '{{.State.Pid}}', 'one'])).stdout.trim();
    const procs = await processesNaming(id);
    expect(procs.map((p) => p.cmd.split(' ')[0])).toEqual(['/usr/bin/conmon']);
    expect(await ppidOf(Number(pid))).toBe(procs[0]!.pid);
    expect(procs[0]!.ppid).toBe(1); // daemonized: nothing of the worker is its parent
    expect((await docker(['rm', '-f', 'one'])).code).toBe(0);
    expect(await processesNaming(id)).toEqual([]);
    expect(await leaksOf(suite.rt.root, id)).toEqual([]);
  });

  rootIt('docker logs and the project CLI keep stdout and stderr apart (-t, --tail, --since)', async () => {
    const script = 'echo out; echo err >&2; sleep 1; echo out2; echo err2 >&2';
    const r = await docker(['run', '--name', 'streams', 'busybox', 'sh', '-c', script]);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'out\nout2\n', 'err\nerr2\n']);
    const logs = await docker(['logs', 'streams']);
    expect([logs.code, logs.stdout, logs.stderr]).toEqual([0, 'out\nout2\n', 'err\nerr2\n']);
    const tail = await docker(['logs', '--tail', '2', 'streams']);
    expect([tail.stdout, tail.stderr]).toEqual(['out2\n', 'err2\n']);
    const stamped = await docker(['logs', '-t', 'streams']);
    const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) (\S+)$/;
    const outs = stamped.stdout
      .trimEnd()
      .split('\n')
      .map((l) => STAMP.exec(l));
    const errs = stamped.stderr
      .trimEnd()
      .split('\n')
      .map((l) => STAMP.exec(l));
    expect([...outs, ...errs].map((m) => m?.[2])).toEqual(['out', 'out2', 'err', 'err2']);
    // --since the second stdout line's own time: the lines from it on, each on its stream
    const since = await docker(['logs', '--since', outs[1]![1]!, 'streams']);
    expect([since.stdout, since.stderr]).toEqual(['out2\n', 'err2\n']);
    const mine = await cli(suite.w, ['logs', 'streams']);
    expect([mine.code, mine.stdout, mine.stderr]).toEqual([0, 'out\nout2\n', 'err\nerr2\n']);
    const mineT = await cli(suite.w, ['logs', '-t', '--tail', '1', 'streams']);
    expect([mineT.stdout, mineT.stderr]).toEqual(['', `${errs[1]![0]}\n`]);
    expect((await docker(['rm', 'streams'])).code).toBe(0);
  });

  rootIt('docker run -t: conmon gives the process a terminal; its output is one raw stream, as Docker', async () => {
    const r = await docker(['run', '-t', '--name', 'tty', 'busybox', 'sh', '-c', 'tty; echo err >&2']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/^\/dev\/(pts\/\d+|console)\r\nerr\r\n$/);
    const logs = await docker(['logs', 'tty']);
    expect([logs.stdout, logs.stderr]).toEqual([r.stdout, '']);
    expect((await docker(['rm', 'tty'])).code).toBe(0);
  });

  rootIt('Config.OpenStdin: conmon keeps a stdin pipe fed from the attach socket (layout.attachSocket)', async () => {
    const c = await docker(['create', '--name', 'stdin', 'busybox', 'sh', '-c', 'read line; echo got $line']);
    expect(c.code, c.stderr).toBe(0);
    const id = c.stdout.trim();
    // the record's fields (the API's -i is another part's): stdin kept open when an attached client goes
    await suite.rt.store.update(id, (r) => {
      r.Config.OpenStdin = true;
      r.Config.StdinOnce = false;
    });
    expect((await docker(['start', 'stdin'])).code).toBe(0);
    const [conmon] = await processesNaming(id);
    expect(conmon!.cmd).toContain(' --stdin --leave-stdin-open');
    const socket = suite.rt.driver.layout.attachSocket(id);
    await until('the attach socket', async () => ((await fs.stat(socket).catch(() => undefined)) ? true : undefined));
    // SOCK_SEQPACKET (type 5): what is written is the process's stdin
    const fed = spawnSync('socat', ['-t', '2', '-', `UNIX-CONNECT:${socket},type=5`], { input: 'hello\n' });
    expect(fed.status, String(fed.stderr)).toBe(0);
    const logs = await until('the answer', async () => {
      const r = await docker(['logs', 'stdin']);
      return r.stdout.includes('got') ? r : undefined;
    });
    expect(logs.stdout).toBe('got hello\n');
    expect((await docker(['rm', '-f', 'stdin'])).code).toBe(0);
    expect(await fs.lstat(path.dirname(socket)).catch(() => undefined)).toBeUndefined(); // the attach link is gone
  });

  rootIt(
    "a container of the previous release's shim is probed, stopped and read; started again, under conmon",
    async () => {
      const script = 'trap "exit 7" TERM; echo old out; echo old err >&2; while :; do sleep 0.05; done';
      const c = await docker(['create', '--name', 'legacy', 'busybox', 'sh', '-c', script]);
      expect(c.code, c.stderr).toBe(0);
      const id = c.stdout.trim();
      const rt = suite.rt;
      const l = rt.driver.layout;
      // the start saga's steps before the process, as the driver test runs them
      const prepare = async () => {
        for (const step of ['mount-rootfs', 'network', 'ipc', 'volumes'] as const) await rt.acquire(step, { id });
        const rec = await rt.lookup(id);
        const env = daemonEnv({ hostname: rec.Config.Hostname, tty: false, linkedEnv: [], userEnv: rec.Config.Env });
        await rt.acquire('spec', { id, env, extraHosts: [] });
      };
      await prepare();
      const pid = await startLegacy(l, id);
      await rt.markRunning(id, pid);
      expect(await rt.driver.probeProcess(id)).toEqual({ kind: 'running' });
      await until('the old output', async () => ((await rt.logs(id)).includes('old err') ? true : undefined));
      // raw lines of the old log: stdout, both of them
      expect((await rt.logPage(id)).chunks.map((ch) => ch.stream)).toEqual(['stdout']);
      expect(await rt.stop(id, 10)).toEqual({ exitCode: 7, wasRunning: true });
      expect((await rt.lookup(id)).State).toMatchObject({ Running: false, ExitCode: 7 });
      expect(await leaksOf(rt.root, id)).toEqual([]); // the shim, runc and the container are gone

      // started again by this release: conmon, and its lines after the old ones, by stream
      await prepare();
      const again = await rt.acquire('process', { id });
      await rt.markRunning(id, again.pid);
      const page = await until('the new output', async () => {
        const p = await rt.logPage(id);
        return pageText(p).split('\n').length === 5 ? p : undefined;
      });
      const of = (stream: string) =>
        page.chunks
          .filter((ch) => ch.stream === stream)
          .map((ch) => ch.text)
          .join('');
      // the old raw lines (both streams, in either order) then conmon's stdout line; its stderr line apart
      expect(of('stdout')).toMatch(/^(old out\nold err\n|old err\nold out\n)old out\n$/);
      expect(of('stderr')).toBe('old err\n');
      expect((await processesNaming(id)).map((p) => p.cmd.split(' ')[0])).toEqual(['/usr/bin/conmon']);
      expect(await rt.stop(id, 10)).toEqual({ exitCode: 7, wasRunning: true });
      await rt.remove(id, true);
      expect(await leaksOf(rt.root, id)).toEqual([]);
    },
  );
});
