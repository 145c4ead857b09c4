/**
 * api/guard.ts: what a web page can make a browser send is refused, over the unix socket and over TCP, with
 * handwritten HTTP (an Origin, a rebinding page's Host, a form's Content-Type); Docker's clients' requests pass.
 */
import { promises as fs } from 'node:fs';
import type http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOnSocket, listenOnTcp } from '../../api/listen';
import { Router } from '../../api/router';
import { createApiServer } from '../../api/server';

let dir: string;
let socketPath: string;
let port: number;
const servers: http.Server[] = [];
/** the bodies the create handler accepted */
const created: unknown[] = [];

const router = new Router().add(
  {
    method: 'POST',
    path: '/containers/create',
    handler: async (_c, r, out) => {
      created.push(await r.json());
      out.json(201, { Id: 'x', Warnings: [] });
    },
  },
  {
    method: 'POST',
    path: '/images/load',
    handler: async (_c, r, out) => out.json(200, { bytes: (await r.body()).length }),
  },
  { method: 'GET', path: '/_ping', handler: async (_c, _r, out) => out.text(200, 'OK') },
);
const ctx = { address: 'nowhere:1', session: () => Promise.reject(new Error('no Temporal in this test')) };

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-api-guard-'));
  socketPath = path.join(dir, 'docker.sock');
  servers.push(createApiServer(ctx, router));
  await listenOnSocket(servers[0]!, socketPath);
  servers.push(createApiServer(ctx, router, undefined, undefined, { names: ['127.0.0.1'] }));
  await listenOnTcp(servers[1]!, '127.0.0.1', 0);
  port = (servers[1]!.address() as net.AddressInfo).port;
});
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  await fs.rm(dir, { recursive: true, force: true });
});

/** One handwritten request on a fresh connection: its status and JSON body. */
function raw(to: 'socket' | 'tcp', head: string, body = ''): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const c = to === 'socket' ? net.connect(socketPath) : net.connect(port, '127.0.0.1');
    let text = '';
    c.on('data', (d: Buffer) => (text += d.toString()));
    c.on('end', () =>
      resolve({
        status: Number(/^HTTP\/1\.[01] (\d+)/.exec(text)?.[1]),
        body: text.slice(text.indexOf('\r\n\r\n') + 4),
      }),
    );
    c.on('error', reject);
    c.write(
      `${head.replace(/\n/g, '\r\n')}Connection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
}

const createHead = (extra: string) => `POST /v1.41/containers/create HTTP/1.1\n${extra}`;
const JSON_BODY = '{"Image":"busybox"}';
const message = (r: { body: string }) => (JSON.parse(r.body) as { message: string }).message;

describe.each(['socket', 'tcp'] as const)('over the %s', (to) => {
  const host = to === 'socket' ? 'docker' : `127.0.0.1:0`;

  it('refuses a request with an Origin (a web page), before the handler runs', async () => {
    const before = created.length;
    const r = await raw(
      to,
      createHead(`Host: ${host}\nOrigin: http://evil.example\nContent-Type: text/plain\n`),
      JSON_BODY,
    );
    expect([r.status, message(r)]).toEqual([
      403,
      'request refused: it comes from a web page (Origin: http://evil.example); the Engine API is root on this host and answers no browser',
    ]);
    const fetchMeta = await raw(to, `GET /_ping HTTP/1.1\nHost: ${host}\nSec-Fetch-Site: cross-site\n`);
    expect(fetchMeta.status).toBe(403);
    // Even with a JSON body: a page's fetch() may send one after a preflight the API never answers.
    const json = await raw(to, createHead(`Host: ${host}\nOrigin: null\nContent-Type: application/json\n`), JSON_BODY);
    expect(json.status).toBe(403);
    expect(created.length).toBe(before);
  });

  it("refuses a Host that is not loopback's or this listener's (DNS rebinding)", async () => {
    for (const evil of ['evil.example', 'evil.example:2375', '10.0.0.1', 'localhost.evil.example']) {
      const r = await raw(to, `GET /_ping HTTP/1.1\nHost: ${evil}\n`);
      expect([evil, r.status, message(r)]).toEqual([
        evil,
        403,
        expect.stringMatching(
          /^request refused: Host ".*" is not this server's name \(loopback, .*\): a DNS rebinding page\?$/,
        ),
      ]);
    }
    for (const ok of ['localhost', 'localhost:2375', '127.0.0.1:1', '127.9.9.9', '[::1]:2375', 'LOCALHOST']) {
      expect([ok, (await raw(to, `GET /_ping HTTP/1.1\nHost: ${ok}\n`)).status]).toEqual([ok, 200]);
    }
    expect((await raw(to, 'GET /_ping HTTP/1.0\n')).status).toBe(200); // no Host at all
  });

  it("refuses the content types a form can post on JSON endpoints, with moby's message", async () => {
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await raw(to, createHead(`Host: ${host}\nContent-Type: ${ct}\n`), JSON_BODY);
      expect([r.status, message(r)]).toEqual([
        400,
        `unsupported Content-Type header (${ct}): must be 'application/json'`,
      ]);
    }
    const none = await raw(to, createHead(`Host: ${host}\n`), JSON_BODY);
    expect([none.status, message(none)]).toEqual([400, 'malformed Content-Type header (): mime: no media type']);
    const ok = await raw(to, createHead(`Host: ${host}\nContent-Type: application/json; charset=utf-8\n`), JSON_BODY);
    expect(ok.status).toBe(201);
    // No body: nothing to forge, whatever the type (the docker CLI sends its empty POSTs as text/plain).
    expect((await raw(to, createHead(`Host: ${host}\n`))).status).toBe(201);
    expect((await raw(to, createHead(`Host: ${host}\nContent-Type: text/plain\n`))).status).toBe(201);
    // Endpoints whose bodies are not JSON keep them.
    const tar = await raw(
      to,
      `POST /images/load HTTP/1.1\nHost: ${host}\nContent-Type: application/x-tar\n`,
      'tarball',
    );
    expect([tar.status, JSON.parse(tar.body)]).toEqual([200, { bytes: 7 }]);
  });

  it('refuses an upgrade request from a web page too', async () => {
    const r = await raw(
      to,
      `POST /v1.41/containers/x/attach HTTP/1.1\nHost: ${host}\nOrigin: http://evil.example\nConnection: Upgrade\nUpgrade: tcp\n`,
    );
    expect(r.status).toBe(403);
  });
});

it("startApi's socket also answers to its own path as Host, and to an empty Host (the docker CLI 20.10's attach)", async () => {
  const { startApi } = await import('../../api/start');
  const sock = path.join(dir, 'Mixed-Case', 'docker.sock');
  const api = await startApi({ env: { TEMPORAL_ADDRESS: '127.0.0.1:1' }, socketPath: sock });
  try {
    const ask = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const c = net.connect(sock, () => c.write(`GET /_ping HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
        let text = '';
        c.on('data', (d: Buffer) => (text += d.toString()));
        c.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1])));
        c.on('error', reject);
      });
    expect([await ask(sock), await ask(''), await ask('docker'), await ask('/elsewhere/docker.sock')]).toEqual([
      200, 200, 200, 403,
    ]);
  } finally {
    await api.close();
  }
});
