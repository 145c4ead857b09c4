/**
 * The image's config applied at create through the Engine API (simulated driver): an image recorded in the
 * host's store with its own Entrypoint, Cmd, Env, WorkingDir, User, StopSignal, ports, labels and volumes;
 * creates over it with and without their own, inspect as Docker shows it, and the spec the start writes.
 */
import { promises as fs } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PATH_ENV } from '../../common/env';
import { simulatedApiSuite } from '../api-harness';
import { recordConfigVariant } from '../image-variant';

const suite = simulatedApiSuite('api-imgcfg');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the answers are Docker's JSON, read field by field
function call(method: string, urlPath: string, body?: unknown): Promise<{ status: number; json: () => any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        socketPath: suite.api.socketPath,
        method,
        path: urlPath,
        headers: { Host: 'docker', 'Content-Type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: () => JSON.parse(text) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** The process part of the spec the simulated driver wrote at start. */
async function processOf(id: string): Promise<{ args: string[]; env: string[]; cwd: string; user: unknown }> {
  const file = path.join(suite.sim.root, 'sim', 'bundles', id, 'config.json');
  return JSON.parse(await fs.readFile(file, 'utf8')).process;
}

const APP = {
  Entrypoint: ['/bin/app', '--serve'],
  Cmd: ['--port', '80'],
  Env: ['PATH=/app/bin:/bin', 'MODE=image', 'KEEP=1'],
  WorkingDir: '/srv',
  User: 'nobody',
  StopSignal: 'SIGQUIT',
  ExposedPorts: { '80/tcp': {} },
  Labels: { from: 'image', both: 'image' },
  Volumes: { '/data': {} },
  Healthcheck: { Test: ['CMD', 'true'], Interval: 5_000_000_000 },
};

async function create(name: string, body: Record<string, unknown>): Promise<string> {
  const r = await call('POST', `/containers/create?name=${name}`, body);
  expect(r.status, JSON.stringify(r.json())).toBe(201);
  return r.json().Id as string;
}

describe("the image's config at create (Engine API, simulated driver)", () => {
  it('a create with nothing of its own runs the image config, as inspect and the spec show', async () => {
    const imageId = await recordConfigVariant(suite.sim.images, 'busybox', 'app:1', APP);
    const id = await create('plain', { Image: 'app:1' });
    const rec = (await call('GET', '/containers/plain/json')).json();
    expect(rec).toMatchObject({
      Path: '/bin/app',
      Args: ['--serve', '--port', '80'],
      Image: imageId,
      Config: {
        Image: 'app:1',
        Entrypoint: ['/bin/app', '--serve'],
        Cmd: ['--port', '80'],
        Env: ['PATH=/app/bin:/bin', 'MODE=image', 'KEEP=1'],
        WorkingDir: '/srv',
        User: 'nobody',
        StopSignal: 'SIGQUIT',
        ExposedPorts: { '80/tcp': {} },
        Labels: { from: 'image', both: 'image' },
        Volumes: { '/data': {} },
        Healthcheck: { Test: ['CMD', 'true'], Interval: 5_000_000_000 },
      },
    });
    expect((await call('POST', `/containers/${id}/start`)).status).toBe(204);
    expect((await suite.sim.heldResources()).filter((h) => h.containerId === id)).not.toEqual([]);
    const proc = await processOf(id);
    expect(proc.args).toEqual(['/bin/app', '--serve', '--port', '80']);
    expect(proc.cwd).toBe('/srv');
    // busybox-static's passwd: nobody is 65534:65534, home /nonexistent
    expect(proc.user).toEqual({ uid: 65534, gid: 65534, additionalGids: [65534] });
    expect(proc.env).toEqual(expect.arrayContaining(['PATH=/app/bin:/bin', 'MODE=image', 'HOME=/nonexistent']));
    expect((await call('POST', `/containers/${id}/stop?t=1`)).status).toBe(204);
    // the simulated process ends by SIGQUIT's default action: 128 + 3
    expect((await call('GET', `/containers/${id}/json`)).json().State.ExitCode).toBe(131);
  });

  it("the create's Cmd, Env, User and labels win; an Entrypoint of its own drops the image's Cmd", async () => {
    await recordConfigVariant(suite.sim.images, 'busybox', 'app:2', APP);
    await create('over', {
      Image: 'app:2',
      Cmd: ['--port', '8080'],
      Env: ['MODE=mine', 'HOME=/home/me'],
      User: '0:0',
      Labels: { both: 'mine' },
      ExposedPorts: { '53/udp': {} },
    });
    const over = (await call('GET', '/containers/over/json')).json();
    expect(over).toMatchObject({ Path: '/bin/app', Args: ['--serve', '--port', '8080'] });
    expect(over.Config).toMatchObject({
      Env: ['MODE=mine', 'HOME=/home/me', 'PATH=/app/bin:/bin', 'KEEP=1'],
      User: '0:0',
      Labels: { from: 'image', both: 'mine' },
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
    });
    expect((await call('POST', '/containers/over/start')).status).toBe(204);
    const proc = await processOf(over.Id);
    expect(proc.user).toEqual({ uid: 0, gid: 0, additionalGids: [0] });
    expect(proc.env.filter((e) => e.startsWith('HOME='))).toEqual(['HOME=/home/me']);

    await create('ep', { Image: 'app:2', Entrypoint: ['/bin/echo'] });
    const ep = (await call('GET', '/containers/ep/json')).json();
    expect([ep.Path, ep.Args, ep.Config.Entrypoint, ep.Config.Cmd]).toEqual(['/bin/echo', [], ['/bin/echo'], null]);

    await create('reset', { Image: 'app:2', Entrypoint: [''], Cmd: ['echo', 'hi'] });
    const reset = (await call('GET', '/containers/reset/json')).json();
    expect([reset.Path, reset.Args, reset.Config.Entrypoint]).toEqual(['echo', ['hi'], null]);
  });

  it('no command anywhere is a 400 at create, and nothing is created', async () => {
    await recordConfigVariant(suite.sim.images, 'busybox', 'nocmd:1', { Env: ['A=1'] });
    const r = await call('POST', '/containers/create?name=nocmd', { Image: 'nocmd:1' });
    expect([r.status, r.json()]).toEqual([400, { message: 'No command specified' }]);
    expect((await call('GET', '/containers/nocmd/json')).status).toBe(404);
    // an image without PATH: Docker's default is stored
    await create('withcmd', { Image: 'nocmd:1', Cmd: ['true'] });
    const env = (await call('GET', '/containers/withcmd/json')).json().Config.Env;
    expect(env).toEqual(['A=1', DEFAULT_PATH_ENV]);
  });

  it("an unknown user fails the start with Docker's message, and the saga leaves nothing held", async () => {
    const id = await create('ghost', { Image: 'busybox', Cmd: ['true'], User: 'ghost' });
    const r = await call('POST', `/containers/${id}/start`);
    expect([r.status, r.json().message]).toEqual([
      500,
      'unable to find user ghost: no matching entries in passwd file',
    ]);
    expect((await suite.sim.heldResources()).filter((h) => h.containerId === id)).toEqual([]);
    expect((await call('GET', `/containers/${id}/json`)).json().State).toMatchObject({ Running: false });
  });

  it('a bad stop signal is a 400 at create', async () => {
    const r = await call('POST', '/containers/create?name=badsig', {
      Image: 'busybox',
      Cmd: ['true'],
      StopSignal: 'SIGNOPE',
    });
    expect([r.status, r.json()]).toEqual([400, { message: 'Invalid signal: SIGNOPE' }]);
  });
});
