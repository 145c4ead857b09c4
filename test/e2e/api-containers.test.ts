import http from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/dev-server';
import { list } from '../../client/api';
import type { ContainerRecord } from '../../common/types';
import { docker, simulatedApiSuite } from '../api-harness';
import { until } from '../harness';

// The Engine API's container and image endpoints end to end: Debian's docker client (20.10) against the API
// on a unix socket, served by an in-process worker on this file's own task queue (simulated driver, temp
// root, faults enabled as in every test worker), on the shared dev server. Plus raw HTTP over the socket for
// what the docker client never sends.

// Pulls of the default registry's images go to a loopback port where nothing listens (the in-process worker reads
// the variable per pull): no test leaves this machine.
beforeAll(async () => {
  process.env.CONTAINER_SAGA_REGISTRY_MIRROR = `http://127.0.0.1:${await freePort()}`;
});

const suite = simulatedApiSuite('api-sim');

const dk = (...args: string[]) => docker(suite.api, args);

/** Runs docker and expects exit 0; its stdout. */
async function ok(...args: string[]): Promise<string> {
  const r = await dk(...args);
  expect(r.code, `docker ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

const noStackTrace = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at /);

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: () => any;
}

/** One HTTP request over the API's socket; `onHeaders` sees the status as soon as the headers arrive. */
function request(
  method: string,
  urlPath: string,
  opts: { body?: string | Buffer; headers?: http.OutgoingHttpHeaders; onHeaders?: (status: number) => void } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath: suite.api.socketPath, method, path: urlPath, headers: { Host: 'docker', ...opts.headers } },
      (res) => {
        opts.onHeaders?.(res.statusCode ?? 0);
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

const postJson = (urlPath: string, body: unknown) =>
  request('POST', urlPath, { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });

async function record(name: string): Promise<ContainerRecord | undefined> {
  return (await list(suite.w.session, true)).find((c) => c.Name === `/${name}`);
}

/** The containerWait workflows for container `id` that still run (their IDs begin with the container's). */
async function runningWaits(id: string): Promise<number> {
  let n = 0;
  for await (const wf of suite.w.client.workflow.list({
    query: `WorkflowType = 'containerWait' AND ExecutionStatus = 'Running' AND TaskQueue = '${suite.w.taskQueue}'`,
  })) {
    if (wf.workflowId.startsWith(`container-wait-${id}-`)) n++;
  }
  return n;
}

/** How the containerWait workflows for container `id` ended, and why when terminated. */
async function closedWaits(id: string): Promise<Array<{ status: string; reason?: string }>> {
  const out: Array<{ status: string; reason?: string }> = [];
  for await (const wf of suite.w.client.workflow.list({
    query: `WorkflowType = 'containerWait' AND ExecutionStatus != 'Running' AND TaskQueue = '${suite.w.taskQueue}'`,
  })) {
    if (!wf.workflowId.startsWith(`container-wait-${id}-`)) continue;
    const history = await suite.w.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    const terminated = history.events?.find(
      (e) => e.workflowExecutionTerminatedEventAttributes,
    )?.workflowExecutionTerminatedEventAttributes;
    out.push({ status: wf.status.name, ...(terminated ? { reason: terminated.reason ?? '' } : {}) });
  }
  return out;
}

describe.concurrent('docker client (20.10) against the Engine API (simulated driver)', () => {
  it('version: the server answers with API 1.41', async () => {
    const out = await ok('version');
    expect(out).toMatch(/Server: container-saga/);
    expect(out).toMatch(/API version:\s+1\.41/);
  });

  it('create, start, ps, inspect, stop, wait, restart, kill, rm -f', async () => {
    const id = (await ok('create', '--name', 'web', 'busybox', 'sleep', '1000')).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(await ok('ps', '-a', '--filter', 'name=web', '--format', '{{.Names}} {{.Status}}')).toBe('web Created\n');
    expect(await ok('ps', '-a')).toMatch(
      new RegExp(
        `\\n${id.slice(0, 12)}\\s+busybox\\s+"sleep 1000"\\s+(Less than a second|\\d+ seconds?) ago\\s+Created\\s+web\\n`,
      ),
    );

    expect(await ok('start', 'web')).toBe('web\n');
    const startedAt = (await ok('inspect', '-f', '{{.State.StartedAt}}', 'web')).trim();
    const pid = Number((await ok('inspect', '-f', '{{.State.Pid}}', 'web')).trim());
    expect(pid).toBeGreaterThan(0);
    expect(
      await ok(
        'inspect',
        '-f',
        '{{.State.Status}} {{.Name}} {{.Config.Image}} {{.HostConfig.NetworkMode}} {{.RestartCount}} {{len .Mounts}}',
        'web',
      ),
    ).toBe('running /web busybox default 0 0\n');
    expect(await ok('inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'web')).toMatch(/^10\.88\.\d+\.\d+\n$/);
    // the full table: Docker's columns, our container among the running ones
    expect(await ok('ps')).toMatch(
      new RegExp(
        `^CONTAINER ID\\s+IMAGE\\s+COMMAND\\s+CREATED\\s+STATUS\\s+PORTS\\s+NAMES\\n(.*\\n)*${id.slice(0, 12)}\\s+busybox\\s+"sleep 1000"\\s+.* ago\\s+Up (Less than a second|\\d+ seconds?)\\s+web\\n`,
      ),
    );
    expect(await ok('ps', '--filter', 'name=web', '--format', '{{.Names}} {{.Status}}')).toMatch(
      /^web Up (Less than a second|\d+ seconds?)\n$/,
    );
    expect(await ok('ps', '-q', '--filter', `id=${id.slice(0, 12)}`, '--no-trunc')).toBe(`${id}\n`);

    // starting it again is Docker's 304: done, the name printed, exit 0
    const again = await dk('start', 'web');
    expect(again).toMatchObject({ code: 0, stdout: 'web\n' });

    expect(await ok('stop', 'web')).toBe('web\n');
    expect(
      await ok('inspect', '-f', '{{.State.Status}} {{.State.Running}} {{.State.Pid}} {{.State.ExitCode}}', 'web'),
    ).toBe('exited false 0 143\n');
    expect(
      await ok('ps', '-a', '--filter', 'status=exited', '--filter', 'name=^web$', '--format', '{{.Names}} {{.Status}}'),
    ).toMatch(/^web Exited \(143\) (Less than a second|\d+ seconds?) ago\n$/);
    // --filter status=exited lists stopped containers without -a, as Docker's does
    expect(await ok('ps', '--filter', 'status=exited', '--filter', 'name=^web$', '--format', '{{.Names}}')).toBe(
      'web\n',
    );
    expect(await ok('ps', '--filter', 'name=^web$', '--format', '{{.Names}}')).toBe('');
    expect(await ok('wait', 'web')).toBe('143\n');

    expect(await ok('restart', '-t', '1', 'web')).toBe('web\n');
    // a new run (the simulated driver gives a container the same pid every run)
    expect(await ok('inspect', '-f', '{{.State.Running}} {{.State.Pid}}', 'web')).toBe(`true ${pid}\n`);
    expect((await ok('inspect', '-f', '{{.State.StartedAt}}', 'web')).trim()).not.toBe(startedAt);

    expect(await ok('kill', 'web')).toBe('web\n');
    expect(await ok('wait', 'web')).toBe('137\n');
    const killAgain = await dk('kill', 'web');
    expect(killAgain.code).toBe(1);
    expect(killAgain.stderr).toContain(
      `Error response from daemon: Cannot kill container: web: Container ${id} is not running`,
    );

    expect(await ok('rm', '-f', 'web')).toBe('web\n');
    const gone = await dk('container', 'inspect', 'web');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('No such container: web');
    expect((await suite.sim.heldResources()).filter((h) => h.containerId === id)).toEqual([]);
  });

  it('run -d prints the ID and leaves it running; its wait (sent before the start) ends when the client leaves', async () => {
    const r = await dk(
      'run',
      '-d',
      '--name',
      'rund',
      '-e',
      'A=1',
      '--label',
      'tier=front',
      '--expose',
      '80',
      'busybox',
      'sleep',
      '1000',
    );
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    noStackTrace(r.stderr);
    expect(r.stderr).toBe('');
    expect(await ok('inspect', '-f', '{{.State.Running}} {{.Config.Env}} {{.Config.Labels.tier}}', 'rund')).toMatch(
      // Docker's merge: the create's variables first, then the image's it does not set
      /^true \[A=1 PATH=\S+\] front\n$/,
    );
    expect(await ok('ps', '--filter', 'label=tier=front', '--format', '{{.Names}} {{.Label "tier"}} {{.Ports}}')).toBe(
      'rund front 80/tcp\n',
    );
    expect(await ok('ps', '-a', '--filter', 'label=tier=back', '--format', '{{.Names}}')).toBe('');
    // `docker run` asked POST /wait?condition=next-exit before the start; the client has gone, so has the wait
    await until('the wait of run -d to end', async () => ((await runningWaits(id)) === 0 ? true : undefined));
    const [wait] = await closedWaits(id);
    expect(wait).toEqual({ status: 'TERMINATED', reason: 'the client of the wait went away' });
    expect(await ok('rm', '-f', 'rund')).toBe('rund\n');
  });

  it('run -d --rm: the monitor removes it after its exit', async () => {
    const r = await dk('run', '-d', '--rm', '--name', 'runrm', 'busybox', 'sh', '-c', 'exit 3');
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    await until('runrm to be removed', async () => ((await record('runrm')) === undefined ? true : undefined));
    expect((await suite.sim.heldResources()).filter((h) => h.containerId === id)).toEqual([]);
  });

  it("run -d whose start fails: Docker's run error (125); with --rm the container goes too, so the client's wait for its removal returns", async () => {
    const kept = await dk(
      'run',
      '-d',
      '--name',
      'runfail',
      '--label',
      'container-saga.faults=process=fail',
      'busybox',
      'sleep',
      '1000',
    );
    expect(kept.code).toBe(125);
    expect(kept.stderr).toContain('Error response from daemon: injected failure at process');
    noStackTrace(kept.stderr);
    expect(await ok('inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'runfail')).toBe('created 128\n');
    const id = (await record('runfail'))!.Id;
    await until('the wait of the failed run to end', async () => ((await runningWaits(id)) === 0 ? true : undefined));

    // `docker run --rm` waits for the removal after a failed start: Docker's daemon removes an AutoRemove
    // container whose start failed, and so does the API
    const removed = await dk(
      'run',
      '-d',
      '--rm',
      '--name',
      'runfailrm',
      '--label',
      'container-saga.faults=process=fail',
      'busybox',
      'sleep',
      '1000',
    );
    expect(removed.code).toBe(125);
    expect(removed.stderr).toContain('Error response from daemon: injected failure at process');
    expect(await record('runfailrm')).toBeUndefined();
  });

  it("create with a name in use: Docker's 409 text", async () => {
    const first = (await ok('create', '--name', 'dup', 'busybox', 'sleep', '1000')).trim();
    const r = await dk('create', '--name', 'dup', 'busybox', 'sleep', '1000');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `Error response from daemon: Conflict. The container name "/dup" is already in use by container "${first}". You have to remove (or rename) that container to be able to reuse that name.`,
    );
    noStackTrace(r.stderr);
  });

  it('start of a container that does not exist', async () => {
    const r = await dk('start', 'nosuch');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error response from daemon: No such container: nosuch\n');
    expect(r.stderr).toContain('Error: failed to start containers: nosuch');
  });

  it('inspect of an object that does not exist: the client tries every type, then says so', async () => {
    const r = await dk('inspect', 'nosuchobject');
    expect([r.code, r.stderr.trim()]).toEqual([1, 'Error: No such object: nosuchobject']);
  });

  it("a start whose saga fails: the saga's Docker error, exit 1, the container not running and holding nothing", async () => {
    const id = (
      await ok(
        'create',
        '--name',
        'broken',
        '--label',
        'container-saga.faults=process=fail',
        'busybox',
        'sleep',
        '1000',
      )
    ).trim();
    const r = await dk('start', 'broken');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Error response from daemon: injected failure at process\n');
    expect(r.stderr).toContain('Error: failed to start containers: broken');
    noStackTrace(r.stderr);
    expect(
      await ok(
        'inspect',
        '-f',
        '{{.State.Status}} {{.State.Running}} {{.State.Pid}} {{.State.ExitCode}} {{.State.Error}}',
        'broken',
      ),
    ).toBe('created false 0 128 injected failure at process\n');
    expect(
      await ok(
        'inspect',
        '-f',
        '{{.NetworkSettings.IPAddress}}|{{json .NetworkSettings.Networks.bridge.IPAddress}}',
        'broken',
      ),
    ).toBe('|""\n');
    // the test (not the client) may read the driver's records: no mount, netns, IP, bundle or process is left
    expect((await suite.sim.heldResources()).filter((h) => h.containerId === id)).toEqual([]);
  });

  it('images and image inspect', async () => {
    const table = await ok('images');
    expect(table).toMatch(
      /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\nbusybox\s+latest\s+[0-9a-f]{12}\s+.* ago\s+\S+\n$/,
    );
    const [img] = JSON.parse(await ok('image', 'inspect', 'busybox')) as Array<Record<string, unknown>>;
    expect(img).toMatchObject({ RepoTags: ['busybox:latest'], Os: 'linux', RootFS: { Type: 'layers' } });
    expect(img!.Id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Date.parse(img!.Created as string)).not.toBeNaN();
    expect(await ok('image', 'inspect', '-f', '{{.Id}}', 'busybox:latest')).toBe(`${img!.Id}\n`);
    expect(await ok('images', '-q', '--no-trunc', 'busybox')).toBe(`${img!.Id}\n`);
    expect(await ok('images', '-q', 'nomatch*')).toBe('');
    const missing = await dk('image', 'inspect', 'busybox:1.36');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No such image: busybox:1.36');
  });

  it('the container-saga.host label pins the create (and stays on the container); inspect and ps entries name the host', async () => {
    const host = suite.sim.hostName;
    const id = (
      await ok('create', '--name', 'pinnedapi', '--label', `container-saga.host=${host}`, 'busybox', 'sleep', '1000')
    ).trim();
    expect(
      await ok(
        'inspect',
        '-f',
        '{{.Node.Name}} {{.Node.ID}} {{index .Config.Labels "container-saga.host"}}',
        'pinnedapi',
      ),
    ).toBe(`${host} ${host} ${host}\n`);
    expect(await ok('ps', '-a', '--filter', `label=container-saga.host=${host}`, '--format', '{{.Names}}')).toBe(
      'pinnedapi\n',
    );
    const [entry] = (
      await request('GET', `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ id: [id] }))}`)
    ).json();
    expect(entry).toMatchObject({ Id: id, Node: { ID: host, Name: host } });
    const nosuch = await dk('create', '--label', 'container-saga.host=nosuch', 'busybox', 'true');
    expect([nosuch.code, nosuch.stdout, nosuch.stderr.trim()]).toEqual([
      1,
      '',
      'Error response from daemon: No such host: nosuch',
    ]);
    expect(await ok('rm', '-f', 'pinnedapi')).toBe('pinnedapi\n');
  });

  it('run of an image that is not here: Docker pulls it, and is told the registry does not answer', async () => {
    const r = await dk('run', '-d', '--name', 'nopull', 'busybox:1.36', 'sleep', '1');
    expect(r.code).toBe(125);
    expect(r.stderr).toContain("Unable to find image 'busybox:1.36' locally");
    // the default registry's endpoint is this file's unused loopback port (top of the file): retried, then refused
    expect(r.stderr).toMatch(/Error response from daemon: GET "http:\/\/127\.0\.0\.1:\d+\/v2\/": ECONNREFUSED/);
    noStackTrace(r.stderr);
    expect(await record('nopull')).toBeUndefined();
  });
});

describe.concurrent('wait conditions over HTTP (the body comes when the condition holds, the headers at once)', () => {
  /** POST …/wait whose status is known once its headers came; `body` resolves with the answer. */
  function openWait(ref: string, condition: string) {
    let headers!: (status: number) => void;
    const status = new Promise<number>((r) => (headers = r));
    const answer = request('POST', `/v1.41/containers/${ref}/wait?condition=${condition}`, { onHeaders: headers });
    return { status, answer };
  }

  it('next-exit, asked before the start, returns the exit of the run that follows', async () => {
    const id = (await ok('create', '--name', 'nextexit', 'busybox', 'sh', '-c', 'exit 5')).trim();
    const wait = openWait('nextexit', 'next-exit');
    expect(await wait.status).toBe(200);
    // the wait is a workflow, running while the container has not even started
    await until('the wait workflow to be listed', async () => ((await runningWaits(id)) === 1 ? true : undefined));
    expect(await ok('start', 'nextexit')).toBe('nextexit\n');
    const a = await wait.answer;
    expect(a.headers['content-type']).toBe('application/json');
    expect(a.json()).toEqual({ StatusCode: 5, Error: null });
    await until('the wait workflow to be closed', async () => ((await runningWaits(id)) === 0 ? true : undefined));
    // not-running: at once for a container that has exited
    const now = await request('POST', '/containers/nextexit/wait');
    expect(now.json()).toEqual({ StatusCode: 5, Error: null });
  });

  it('removed: waits through the run and the AutoRemove, and tells the last exit code', async () => {
    const created = await postJson('/v1.41/containers/create?name=waitrm', {
      Image: 'busybox',
      Cmd: ['sh', '-c', 'exit 7'],
      HostConfig: { AutoRemove: true },
    });
    expect(created.status, created.text).toBe(201);
    const wait = openWait('waitrm', 'removed');
    expect(await wait.status).toBe(200);
    const started = await request('POST', '/v1.41/containers/waitrm/start');
    expect(started.status, started.text).toBe(204);
    expect((await wait.answer).json()).toEqual({ StatusCode: 7, Error: null });
    expect(await record('waitrm')).toBeUndefined();
  });

  it('removed, for a container removed by rm -f while it runs', async () => {
    await ok('run', '-d', '--name', 'waitrm2', 'busybox', 'sleep', '1000');
    const wait = openWait('waitrm2', 'removed');
    expect(await wait.status).toBe(200);
    const id = (await record('waitrm2'))!.Id;
    await ok('rm', '-f', 'waitrm2');
    // the exit code of its last run, as its `die` told it (the simulated process ends on rm's SIGTERM: 143)
    const die = (await suite.sim.events(0)).events.filter((e) => e.id === id && e.action === 'die').at(-1);
    expect((await wait.answer).json()).toEqual({ StatusCode: Number(die?.attributes?.exitCode), Error: null });
    expect(die?.attributes?.exitCode).toBe('143');
  });

  it("a bad condition is Docker's 400, a missing container 404, both before any stream", async () => {
    const bad = await request('POST', '/containers/whatever/wait?condition=bogus');
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({ message: 'invalid condition: "bogus"' });
    const missing = await request('POST', '/containers/nosuchwait/wait');
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ message: 'No such container: nosuchwait' });
  });
});

describe.concurrent('raw HTTP: what the docker client does not send', () => {
  it('malformed JSON is a 400 and creates nothing', async () => {
    const r = await request('POST', '/v1.41/containers/create?name=badjson', {
      body: '{"Image": "busybox", ',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(r.status).toBe(400);
    expect(r.json().message).toMatch(/^invalid JSON: /);
    expect((await request('GET', '/containers/badjson/json')).status).toBe(404);
  });

  it('an unknown field, and a Docker field we cannot honour, are 400s naming them; zero values are accepted', async () => {
    const unknown = await postJson('/containers/create?name=unk', { Image: 'busybox', Cmd: ['true'], Bogus: 1 });
    expect(unknown.status).toBe(400);
    expect(unknown.json().message).toBe('unknown field "Bogus" in the container configuration');
    const nested = await postJson('/containers/create?name=unk', {
      Image: 'busybox',
      Cmd: ['true'],
      HostConfig: { Bogus: 1 },
    });
    expect(nested.json().message).toBe('unknown field "HostConfig.Bogus" in the container configuration');
    const devices = await postJson('/containers/create?name=unk', {
      Image: 'busybox',
      Cmd: ['true'],
      HostConfig: { Devices: [{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }] },
    });
    expect(devices.status).toBe(400);
    expect(devices.json().message).toBe('container-saga does not support HostConfig.Devices');
    const ports = await postJson('/containers/create?name=unk', {
      Image: 'busybox',
      Cmd: ['true'],
      HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '70000' }] } },
    });
    expect([ports.status, ports.json().message]).toEqual([400, 'invalid port specification: "70000"']);
    expect((await request('GET', '/containers/unk/json')).status).toBe(404);
    // the same fields at their zero values, and an entrypoint: created, Docker's command
    const zero = await postJson('/containers/create?name=zeros', {
      Image: 'busybox:latest',
      Entrypoint: ['sh', '-c'],
      Cmd: 'sleep 1000',
      User: '',
      HostConfig: { Privileged: false, PortBindings: {}, CapAdd: null, MemorySwappiness: -1, NetworkMode: 'default' },
      NetworkingConfig: { EndpointsConfig: { default: { IPAMConfig: null, Aliases: null, IPAddress: '' } } },
    });
    expect(zero.status, zero.text).toBe(201);
    expect(zero.json()).toEqual({ Id: expect.stringMatching(/^[0-9a-f]{64}$/), Warnings: [] });
    // a setting this host discards: created, with Docker's warning in the answer
    const warned = await postJson('/containers/create?name=warned', {
      Image: 'busybox',
      Cmd: ['sleep', '1000'],
      HostConfig: { OomKillDisable: true },
    });
    expect(warned.status, warned.text).toBe(201);
    expect(warned.json().Warnings).toEqual(['Your kernel does not support OomKillDisable. OomKillDisable discarded.']);
    const rec = (await request('GET', '/containers/zeros/json')).json();
    expect(rec).toMatchObject({
      Path: 'sh',
      Args: ['-c', 'sleep 1000'],
      // Docker shows them apart; Image is the reference as given (the top-level Image is the ID)
      Config: { Image: 'busybox:latest', Entrypoint: ['sh', '-c'], Cmd: ['sleep 1000'], User: '' },
      Image: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      HostConfig: { NetworkMode: 'default' },
    });
    for (const internal of ['StartingBy', 'EventKeys', 'Leftovers', 'HasBeenStartedBefore', 'HasBeenManuallyStopped'])
      expect(rec).not.toHaveProperty(internal);
  });

  it('a body over 1 MiB is a 400', async () => {
    const big = JSON.stringify({ Image: 'busybox', Cmd: ['true'], Labels: { pad: 'x'.repeat(2 * 1024 * 1024) } });
    // refused on its Content-Length, before it is read (the server drains the rest)
    const r = await request('POST', '/containers/create?name=huge', {
      body: big,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({ message: 'request body is larger than 1048576 bytes' });
    expect((await request('GET', '/containers/huge/json')).status).toBe(404);
  });

  it('path tricks and bad names', async () => {
    const traversal = await request('GET', '/containers/..%2F..%2Fetc/json');
    expect(traversal.status).toBe(404);
    expect(traversal.json()).toEqual({ message: 'No such container: ../../etc' });
    for (const name of ['a/b', '..', '../etc', 'a b']) {
      const r = await postJson(`/containers/create?name=${encodeURIComponent(name)}`, {
        Image: 'busybox',
        Cmd: ['true'],
      });
      expect(r.status, name).toBe(400);
      expect(r.json()).toEqual({
        message: `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
      });
    }
    // the image's Cmd (busybox-static's `sh`) unless `--entrypoint ""` drops it: then Docker's 400
    const imageCmd = await postJson('/containers/create?name=imagecmd', { Image: 'busybox' });
    expect(imageCmd.status, imageCmd.text).toBe(201);
    expect((await request('GET', '/containers/imagecmd/json')).json()).toMatchObject({ Path: 'sh', Args: [] });
    const noCmd = await postJson('/containers/create?name=nocmd', { Image: 'busybox', Entrypoint: [''] });
    expect([noCmd.status, noCmd.json()]).toEqual([400, { message: 'No command specified' }]);
    expect((await request('GET', '/containers/nocmd/json')).status).toBe(404);
    const tag = await postJson('/containers/create', { Image: 'busybox:1.36', Cmd: ['true'] });
    expect(tag.status).toBe(404);
    expect(tag.json()).toEqual({ message: 'No such image: busybox:1.36' });
  });

  it('a pin to an unknown host, or to a malformed name, is a 400; nothing is created', async () => {
    const nosuch = await postJson('/containers/create?name=pinnosuch', {
      Image: 'busybox',
      Cmd: ['true'],
      Labels: { 'container-saga.host': 'nosuch' },
    });
    // 400, not the CLI's 404: Docker's client takes a 404 from create for a missing image, and pulls
    expect([nosuch.status, nosuch.json()]).toEqual([400, { message: 'No such host: nosuch' }]);
    const bad = await postJson('/containers/create?name=pinbad', {
      Image: 'busybox',
      Cmd: ['true'],
      Labels: { 'container-saga.host': 'bad/name' },
    });
    expect([bad.status, bad.json()]).toEqual([
      400,
      {
        message:
          'invalid input: host: invalid host name "bad/name": want [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 63 characters',
      },
    ]);
    expect((await request('GET', '/containers/pinnosuch/json')).status).toBe(404);
    expect((await request('GET', '/containers/pinbad/json')).status).toBe(404);
  });

  it('list: filters, limit, a bad filter', async () => {
    await ok('create', '--name', 'listme', '--label', 'list=yes', 'busybox', 'sleep', '1000');
    const r = await request(
      'GET',
      `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ label: ['list=yes'] }))}`,
    );
    expect(r.status).toBe(200);
    const [entry] = r.json();
    expect(entry).toMatchObject({
      Names: ['/listme'],
      Image: 'busybox',
      Command: 'sleep 1000',
      State: 'created',
      Status: 'Created',
      Ports: [],
      Labels: { list: 'yes' },
      HostConfig: { NetworkMode: 'default' },
      NetworkSettings: { Networks: { bridge: { IPAddress: '' } } },
      Mounts: [],
    });
    expect(entry.ImageID).toMatch(/^sha256:/);
    expect(Math.abs(entry.Created - Date.now() / 1000)).toBeLessThan(60);
    const limited = await request('GET', '/containers/json?limit=1');
    expect(limited.json()).toHaveLength(1);
    const bad = await request('GET', `/containers/json?filters=${encodeURIComponent('{"bogus":["x"]}')}`);
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({ message: "invalid filter 'bogus'" });
    const badStatus = await request('GET', `/containers/json?filters=${encodeURIComponent('{"status":["sleeping"]}')}`);
    expect(badStatus.json()).toEqual({ message: "invalid filter 'status=sleeping'" });
  });

  it("start, stop, kill, rm: Docker's statuses", async () => {
    await ok('create', '--name', 'codes', 'busybox', 'sleep', '1000');
    const body = await request('POST', '/containers/codes/start', {
      body: '{"Binds":["/:/host"]}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(body.status).toBe(400);
    expect(body.json()).toEqual({
      message: 'starting container with non-empty request body was deprecated since API v1.22 and removed in v1.24',
    });
    expect(
      (
        await request('POST', '/containers/codes/start', {
          body: '{}',
          headers: { 'Content-Type': 'application/json' },
        })
      ).status,
    ).toBe(204);
    expect((await request('POST', '/containers/codes/start')).status).toBe(304);
    const rm = await request('DELETE', '/containers/codes');
    expect(rm.status).toBe(409);
    const id = (await record('codes'))!.Id;
    expect(rm.json()).toEqual({
      message: `You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`,
    });
    expect((await request('POST', '/containers/codes/pause')).status).toBe(204);
    expect((await request('POST', '/containers/codes/unpause')).status).toBe(204);
    expect((await request('POST', '/containers/codes/stop?t=1')).status).toBe(204);
    expect((await request('POST', '/containers/codes/stop?t=1')).status).toBe(304);
    const kill = await request('POST', '/containers/codes/kill?signal=TERM');
    expect(kill.status).toBe(409);
    expect(kill.json().message).toContain(`Container ${id} is not running`);
    expect((await request('DELETE', '/containers/codes?v=1')).status).toBe(204);
    expect((await request('DELETE', '/containers/codes')).status).toBe(404);
  });

  it('an endpoint Docker has and container-saga does not is a 501', async () => {
    const r = await request('POST', '/v1.41/swarm/init');
    expect(r.status).toBe(501);
    expect(r.json().message).toMatch(/^POST \/swarm\/init is not supported by container-saga/);
  });
});
