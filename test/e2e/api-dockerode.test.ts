import { promises as fs } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReadName } from '../../common/reads-api';
import { indexFile, sampleLog } from '../../runtime/log-index';
import { simulatedApiSuite } from '../api-harness';
import { readsServed } from '../reads-probe';

// dockerode (Docker's Node client, from npm) against the Engine API, unchanged: the API in-process on a socket
// in a temp directory, an in-process worker on this file's own task queue driving the simulated runtime (its
// processes print nothing and run until killed; its execs end at once, exit 0 or N for `sh -c "exit N"`).

const suite = simulatedApiSuite('api-dockerode');
let docker: Docker;

beforeAll(() => {
  docker = new Docker({ socketPath: suite.api.socketPath });
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Docker's multiplexed frames → the text of each stream, and the frame types in order. */
function demux(buf: Buffer): { stdout: string; stderr: string; types: number[] } {
  const out = { stdout: '', stderr: '', types: [] as number[] };
  for (let at = 0; at < buf.length; ) {
    const type = buf[at]!;
    const len = buf.readUInt32BE(at + 4);
    const payload = buf.subarray(at + 8, at + 8 + len).toString('utf8');
    out.types.push(type);
    if (type === 1) out.stdout += payload;
    else if (type === 2) out.stderr += payload;
    else throw new Error(`bad frame type ${type}`);
    at += 8 + len;
  }
  return out;
}

/** Everything a stream carries until it ends. */
function drain(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Reads of one kind served on this file's task queue (Updates of its reads workflow). */
const readsOf = (kind: ReadName) => readsServed(suite.w.client, suite.w.taskQueue, kind);

/** The count of `kind`'s reads once it stops changing (a read in flight lands; 5 s at most, then as it is). */
async function settledReads(kind: ReadName): Promise<number> {
  let last = await readsOf(kind);
  for (let i = 0; i < 7; i++) {
    await sleep(700);
    const now = await readsOf(kind);
    if (now === last) return now;
    last = now;
  }
  return last;
}

/**
 * A running container whose log holds `text` (the simulated process prints nothing: written where the driver reads it).
 */
async function runningWithLog(name: string, text: string) {
  // dockerode's usual call: its options go in both the query and the body (`name` too)
  const c = await docker.createContainer({
    name,
    Image: 'busybox',
    Cmd: ['sleep', '1000'],
    Labels: { suite: 'dockerode' },
  });
  await c.start();
  const log = suite.sim.driver.layout.log(c.id);
  await fs.mkdir(path.dirname(log), { recursive: true });
  await fs.appendFile(log, text);
  return c;
}

describe.concurrent('dockerode against the Engine API (simulated driver)', () => {
  it('ping, version, listImages', async () => {
    expect(String(await docker.ping())).toBe('OK');
    const v = await docker.version();
    expect(v.ApiVersion).toBe('1.41');
    expect((await docker.listImages()).flatMap((i) => i.RepoTags ?? [])).toContain('busybox:latest');
  });

  it('logs: stdout and stderr in frames of their own, only those asked for; -t from the entries own times', async () => {
    const c = await docker.createContainer({
      name: 'dstreams',
      Image: 'busybox',
      Cmd: ['sh', '-c', 'echo out; echo err >&2; echo out2; exit 3'],
    });
    await c.start();
    expect((await c.wait()).StatusCode).toBe(3);
    const both = demux(await c.logs({ stdout: true, stderr: true, follow: false }));
    expect(both).toEqual({ stdout: 'out\nout2\n', stderr: 'err\n', types: [1, 2, 1] });
    expect(demux(await c.logs({ stderr: true, follow: false }))).toEqual({ stdout: '', stderr: 'err\n', types: [2] });
    expect(demux(await c.logs({ stdout: true, stderr: true, tail: 1 }))).toMatchObject({
      stdout: 'out2\n',
      stderr: '',
    });
    const stamped = demux(await c.logs({ stdout: true, stderr: true, timestamps: true }));
    expect(stamped.stderr).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z err\n$/);
    await c.remove();
  });

  it('a container through its life: create, start, inspect, list, logs, stop, wait, remove', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const c = await runningWithLog('dlife', 'first\nsecond\nthird\n');
    const rec = await c.inspect();
    expect(rec.State.Running).toBe(true);
    expect(rec.Name).toBe('/dlife');
    expect((await docker.listContainers()).map((x) => x.Id)).toContain(c.id);

    const all = await c.logs({ stdout: true, stderr: true, follow: false });
    expect(demux(all)).toEqual({ stdout: 'first\nsecond\nthird\n', stderr: '', types: [1] });
    expect(demux(await c.logs({ stdout: true, tail: 1 })).stdout).toBe('third\n');
    const stamped = demux(await c.logs({ stdout: true, timestamps: true, tail: 2 })).stdout;
    expect(stamped).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z second\n\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z third\n$/,
    );
    // only stderr asked for: a raw log (the previous release's format, written here by hand) is all stdout
    expect(demux(await c.logs({ stderr: true }))).toEqual({ stdout: '', stderr: '', types: [] });
    await expect(c.logs({ stdout: false, stderr: false })).rejects.toMatchObject({
      statusCode: 400,
      json: { message: 'Bad parameters: you must choose at least one stream' },
    });
    await expect(docker.getContainer('nosuch').logs({ stdout: true })).rejects.toMatchObject({
      statusCode: 404,
      json: { message: 'No such container: nosuch' },
    });

    await c.stop({ t: 1 });
    expect((await c.inspect()).State.Status).toBe('exited');
    const waited = await c.wait();
    expect(waited.StatusCode).toBe((await c.inspect()).State.ExitCode);
    // a stopped container: follow gives what there is and ends
    expect(demux(await drain(await c.logs({ stdout: true, follow: true }))).stdout).toBe('first\nsecond\nthird\n');
    await c.remove();
    await expect(c.inspect()).rejects.toMatchObject({ statusCode: 404 });

    const events = await drain(
      await docker.getEvents({ since, until: Math.ceil(Date.now() / 1000) + 1, filters: { container: ['dlife'] } }),
    );
    const lines = events
      .toString()
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            Action: string;
            Type: string;
            id: string;
            from: string;
            Actor: { Attributes: Record<string, string> };
          },
      );
    expect(lines.map((e) => e.Action)).toEqual(['create', 'start', 'die', 'stop', 'destroy']);
    expect(lines.every((e) => e.Type === 'container' && e.id === c.id && e.from === 'busybox')).toBe(true);
    expect(lines[0]!.Actor.Attributes).toMatchObject({ name: 'dlife', image: 'busybox', suite: 'dockerode' });
    const onlyStart = await drain(
      await docker.getEvents({
        since,
        until: Math.ceil(Date.now() / 1000),
        filters: { container: ['dlife'], event: ['start'], label: ['suite=dockerode'] },
      }),
    );
    expect(
      onlyStart
        .toString()
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { Action: string }).Action),
    ).toEqual(['start']);
  });

  it('exec: create, start (hijacked and plain), inspect with the exit code; 404, 409 and 400s', async () => {
    const c = await runningWithLog('dexec', '');
    const three = await c.exec({ Cmd: ['sh', '-c', 'exit 3'], AttachStdout: true, AttachStderr: true });
    const before = await three.inspect();
    expect(before).toMatchObject({
      ID: three.id,
      Running: false,
      ExitCode: null,
      ContainerID: c.id,
      OpenStdin: false,
      OpenStdout: true,
      OpenStderr: true,
      CanRemove: false,
    });
    expect(before.ProcessConfig).toEqual({
      tty: false,
      entrypoint: 'sh',
      arguments: ['-c', 'exit 3'],
      privileged: false,
      user: '',
    });
    const out = await drain(await three.start({ hijack: true, stdin: false }));
    expect(demux(out)).toEqual({ stdout: '', stderr: '', types: [] });
    const after = await three.inspect();
    expect(after).toMatchObject({ Running: false, ExitCode: 3 });
    expect(after.Pid).toBeGreaterThan(0);
    // started twice: Docker's 409
    // (a streamed call's error: dockerode puts the message in its own, not in `json`)
    await expect(three.start({ hijack: true, stdin: false })).rejects.toMatchObject({
      statusCode: 409,
      message: expect.stringContaining(`Error: Exec command ${three.id} has already run`),
    });

    const plain = await c.exec({ Cmd: ['true'], AttachStdout: true });
    await drain(await plain.start({}));
    expect(await plain.inspect()).toMatchObject({ Running: false, ExitCode: 0 });

    const detached = await c.exec({ Cmd: ['sh', '-c', 'exit 5'] });
    await detached.start({ Detach: true });
    for (let i = 0; (await detached.inspect()).ExitCode !== 5; i++) {
      if (i > 100) throw new Error('the detached exec did not end');
      await sleep(100);
    }

    await expect(docker.getExec('f'.repeat(64)).inspect()).rejects.toMatchObject({
      statusCode: 404,
      json: { message: `No such exec instance: ${'f'.repeat(64)}` },
    });
    // stdin and a TTY are asked for (OpenStdin, ProcessConfig.tty); the simulated driver runs no process, so
    // starting one answers why in the stream, and it reads as not run (126)
    const withStdin = await c.exec({ Cmd: ['true'], AttachStdin: true });
    expect((await withStdin.inspect()).OpenStdin).toBe(true);
    const withTty = await c.exec({ Cmd: ['sh'], Tty: true, AttachStdout: true });
    expect((await withTty.inspect()).ProcessConfig.tty).toBe(true);
    const refused = (await drain(await withTty.start({ hijack: true, stdin: false }))).toString();
    expect(refused).toContain('the simulated driver runs no process: an exec cannot have a terminal (-t) there');
    expect(await withTty.inspect()).toMatchObject({ Running: false, ExitCode: 126 });
    await expect(c.exec({ Cmd: ['sh'], Tty: true, DetachKeys: 'ctrl-' })).rejects.toMatchObject({
      statusCode: 400,
      json: { message: 'Invalid escape keys (ctrl-) provided' },
    });
    // exec -u: taken, and shown as Docker shows it (resolved when it starts, in the container's /etc/passwd)
    const asNobody = await c.exec({ Cmd: ['id'], User: 'nobody' });
    expect((await asNobody.inspect()).ProcessConfig.user).toBe('nobody');
    await expect(c.exec({ Cmd: [] })).rejects.toMatchObject({
      statusCode: 400,
      json: { message: 'No exec command specified' },
    });
    await expect(docker.getContainer('nosuch').exec({ Cmd: ['true'] })).rejects.toMatchObject({
      statusCode: 404,
      json: { message: 'No such container: nosuch' },
    });

    const late = await c.exec({ Cmd: ['true'] });
    await c.stop({ t: 1 });
    await expect(c.exec({ Cmd: ['true'] })).rejects.toMatchObject({
      statusCode: 409,
      json: { message: `Container ${c.id} is not running` },
    });
    // created while it ran, started once it had stopped: the same 409, and it may be started again later
    await expect(late.start({ hijack: true, stdin: false })).rejects.toMatchObject({
      statusCode: 409,
      message: expect.stringContaining(`Container ${c.id} is not running`),
    });
    expect(await late.inspect()).toMatchObject({ Running: false, ExitCode: null });
    await c.remove({ force: true });
  });

  it('attach (plain and hijacked): logs=1 replays the log, stream=1 follows from its end until the container stops', async () => {
    const c = await runningWithLog('dattach', 'old\n');
    expect(demux(await drain(await c.attach({ stream: false, logs: true, stdout: true, stderr: true }))).stdout).toBe(
      'old\n',
    );
    // Each attach starts at the log's end as it is when its answer comes: only then is the next line written.
    const plain = drain(await c.attach({ stream: true, stdout: true, stderr: true }));
    const hijacked = drain(await c.attach({ stream: true, stdout: true, stderr: true, hijack: true }));
    await fs.appendFile(suite.sim.driver.layout.log(c.id), 'new\n');
    await sleep(500);
    await c.stop({ t: 1 });
    expect(demux(await plain)).toEqual({ stdout: 'new\n', stderr: '', types: [1] });
    expect(demux(await hijacked)).toEqual({ stdout: 'new\n', stderr: '', types: [1] });
    await c.remove();
    // stdin to a running container created with -i: no process of the simulated driver takes it
    const open = await docker.createContainer({ Image: 'busybox', Cmd: ['cat'], OpenStdin: true });
    await open.start();
    await expect(open.attach({ stream: true, stdin: true, stdout: true, hijack: true })).rejects.toMatchObject({
      statusCode: 501,
      message: expect.stringContaining('has no process under conmon: no stdin to attach to'),
    });
    await open.remove({ force: true });
  });

  it('logs -t and until: the lines up to a time', async () => {
    const c = await runningWithLog('duntil', '');
    const log = suite.sim.driver.layout.log(c.id);
    const t0 = Date.parse('2020-01-02T03:04:05.123Z');
    // each sample written whatever the monitor's sampler did meanwhile: it samples an append it sees at once,
    // at today's time, and sampleLog would then skip these bytes (they would take the next, older time)
    const sampleAt = async (time: number) => {
      await sampleLog(log, time); // the index's header, when this is the first sample
      await fs.appendFile(indexFile(log), `${(await fs.stat(log)).size} ${time}\n`);
    };
    await fs.appendFile(log, 'one\n');
    await sampleAt(t0);
    await fs.appendFile(log, 'two\n');
    await sampleAt(t0 + 2000);
    await fs.appendFile(log, 'three\n');
    await sampleAt(t0 + 4000);
    const cut = await c.logs({ stdout: true, until: (t0 + 2000) / 1000 });
    expect(demux(cut).stdout).toBe('one\ntwo\n');
    const since = await c.logs({
      stdout: true,
      timestamps: true,
      since: (t0 + 1000) / 1000,
      until: (t0 + 2000) / 1000,
    });
    expect(demux(since).stdout).toBe('2020-01-02T03:04:07.123000000Z two\n');
    await c.remove({ force: true });
  });
});

// Alone (not beside the tests above): it counts the reads served on the task queue.
describe('clients that go away', () => {
  it('a client that goes away mid-stream (logs follow, events): no more reads after, and the server serves on', async () => {
    const c = await runningWithLog('dgone', 'hello\n');
    const logs = (await c.logs({ stdout: true, follow: true })) as NodeJS.ReadableStream & { destroy(): void };
    let received = Buffer.alloc(0);
    logs.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
    const receives = async (text: string) => {
      for (let i = 0; !demux(received).stdout.includes(text); i++) {
        if (i > 100)
          throw new Error(`never received ${JSON.stringify(text)}: ${JSON.stringify(demux(received).stdout)}`);
        await sleep(50);
      }
    };
    await receives('hello\n');
    // it follows: what the container writes next arrives, read every 250 ms
    const before = await readsOf('logs');
    await fs.appendFile(suite.sim.driver.layout.log(c.id), 'more\n');
    await receives('hello\nmore\n');
    await sleep(1000);
    expect(await readsOf('logs')).toBeGreaterThan(before);
    logs.destroy();
    const afterLogs = await settledReads('logs');
    await sleep(1500);
    expect(await readsOf('logs')).toBe(afterLogs);

    const events = (await docker.getEvents({ filters: { container: [c.id] } })) as NodeJS.ReadableStream & {
      destroy(): void;
    };
    let seen = '';
    events.on('data', (d: Buffer) => (seen += d.toString()));
    await sleep(300);
    await c.pause();
    for (let i = 0; !seen.includes('"Action":"pause"'); i++) {
      if (i > 100) throw new Error(`no pause event: ${seen}`);
      await sleep(50);
    }
    expect(
      seen
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { Action: string }).Action),
    ).toEqual(['pause']); // from now on only
    events.destroy();
    const afterEvents = await settledReads('events');
    await sleep(1500);
    expect(await readsOf('events')).toBe(afterEvents);

    expect(String(await docker.ping())).toBe('OK');
    expect((await c.inspect()).State.Running).toBe(true);
    await c.remove({ force: true });
  });
});
