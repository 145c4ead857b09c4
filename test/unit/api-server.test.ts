/**
 * api/server.ts and api/listen.ts: the socket's mode, stale sockets, upgraded connections and Docker's error answers.
 */
import { promises as fs } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badRequest } from '../../api/http';
import { listenOnSocket } from '../../api/listen';
import { Router } from '../../api/router';
import { createApiServer } from '../../api/server';
import { startApi } from '../../api/start';

let dir: string;
let server: http.Server;
let socketPath: string;

const router = new Router().add(
  { method: 'GET', path: '/_ping', handler: async (_c, _r, out) => out.text(200, 'OK') },
  { method: 'POST', path: '/echo', handler: async (_c, r, out) => out.json(200, await r.json()) },
  {
    method: 'GET',
    path: '/fail',
    handler: async () => {
      throw badRequest('bad thing');
    },
  },
  {
    method: 'GET',
    path: '/bug',
    handler: async () => {
      throw new Error('a bug');
    },
  },
  {
    method: 'POST',
    path: '/stream',
    handler: async (_c, r, out) => {
      const body = await r.json();
      const s = out.stream();
      await s.write(1, `got ${JSON.stringify(body)}\n`);
      await s.write(2, 'err\n');
      s.end();
    },
  },
);
const ctx = { address: 'nowhere:1', session: () => Promise.reject(new Error('no Temporal in this test')) };

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-api-unit-'));
  socketPath = path.join(dir, 'sub', 'docker.sock');
  server = createApiServer(ctx, router);
  await listenOnSocket(server, socketPath);
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await fs.rm(dir, { recursive: true, force: true });
});

function request(
  method: string,
  url: string,
  body?: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, method, path: url, headers: body ? { 'Content-Type': 'application/json' } : {} },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A raw exchange on a fresh connection: what the docker CLI does for attach and exec start. */
function raw(text: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const c = net.connect(socketPath);
    const chunks: Buffer[] = [];
    c.on('data', (d: Buffer) => chunks.push(d));
    c.on('end', () => resolve(Buffer.concat(chunks)));
    c.on('error', reject);
    c.write(text);
  });
}

describe('the Engine API server', () => {
  it('listens on a socket of mode 0660', async () => {
    expect((await fs.stat(socketPath)).mode & 0o777).toBe(0o660);
  });

  it("answers with Docker's identification headers and JSON errors", async () => {
    const ping = await request('GET', '/v1.41/_ping');
    expect([ping.status, ping.text, ping.headers['api-version'], ping.headers['ostype']]).toEqual([
      200,
      'OK',
      '1.41',
      'linux',
    ]);
    const fail = await request('GET', '/fail');
    expect([fail.status, fail.headers['content-type'], JSON.parse(fail.text)]).toEqual([
      400,
      'application/json',
      { message: 'bad thing' },
    ]);
    const bug = await request('GET', '/bug');
    expect([bug.status, JSON.parse(bug.text)]).toEqual([500, { message: 'a bug' }]);
  });

  it('refuses malformed and oversized bodies with 400', async () => {
    expect((await request('POST', '/echo', '{"a":')).status).toBe(400);
    const huge = await request('POST', '/echo', JSON.stringify({ a: 'x'.repeat(2 * 1024 * 1024) }));
    expect([huge.status, JSON.parse(huge.text).message]).toEqual([400, 'request body is larger than 1048576 bytes']);
    expect(JSON.parse((await request('POST', '/echo', '{"a":1}')).text)).toEqual({ a: 1 });
  });

  it('answers a request that asks to upgrade with 101 and multiplexed frames, reading its body first', async () => {
    const body = '{"Detach":false}';
    const out = await raw(
      `POST /v1.41/stream HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    const headEnd = out.indexOf('\r\n\r\n');
    expect(out.subarray(0, headEnd).toString()).toMatch(
      /^HTTP\/1\.1 101 UPGRADED\r\nContent-Type: application\/vnd\.docker\.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp$/,
    );
    const frames = out.subarray(headEnd + 4);
    const first = frames.readUInt32BE(4);
    expect([frames[0], frames.subarray(8, 8 + first).toString()]).toEqual([1, 'got {"Detach":false}\n']);
    const second = frames.subarray(8 + first);
    expect([second[0], second.subarray(8).toString()]).toEqual([2, 'err\n']);
  });

  it('answers an upgrade request it cannot serve with a plain HTTP error', async () => {
    const out = (
      await raw(
        'POST /v1.41/containers/x/attach HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
      )
    ).toString();
    expect(out).toMatch(/^HTTP\/1\.1 501 Not Implemented\r\n/);
    expect(JSON.parse(out.slice(out.indexOf('\r\n\r\n') + 4))).toEqual({
      message:
        'POST /containers/x/attach is not supported by container-saga (Docker Engine API endpoint not implemented)',
    });
  });

  it('streams the same route as a plain 200 to a client that does not upgrade', async () => {
    const r = await request('POST', '/stream', '{}');
    expect([r.status, r.headers['content-type']]).toEqual([200, 'application/vnd.docker.raw-stream']);
    expect(r.text).toContain('got {}');
  });

  it('refuses to take over a socket another server answers on, and replaces a stale one', async () => {
    const second = createApiServer(ctx, router);
    await expect(listenOnSocket(second, socketPath)).rejects.toThrow(/another server already listens/);
    const stale = path.join(dir, 'stale.sock');
    await fs.writeFile(stale, '');
    await listenOnSocket(second, stale);
    expect((await fs.stat(stale)).isSocket()).toBe(true);
    await new Promise((r) => second.close(r));
  });

  it('also listens on a loopback TCP port with CONTAINER_SAGA_API_TCP (plain HTTP: CONTAINER_SAGA_API_TCP_INSECURE=1)', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(p));
      });
    });
    const api = await startApi({
      env: {
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        CONTAINER_SAGA_API_TCP: String(port),
        CONTAINER_SAGA_API_TCP_INSECURE: '1',
      },
      socketPath: path.join(dir, 'tcp.sock'),
      onWarning: () => undefined,
    });
    try {
      expect(api.tcp).toEqual({ host: '127.0.0.1', port, tls: false });
      const text = await new Promise<string>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: '/v1.41/_ping' }, (res) => {
            let t = '';
            res.on('data', (d: Buffer) => (t += d.toString()));
            res.on('end', () => resolve(`${res.statusCode} ${t}`));
          })
          .on('error', reject);
      });
      expect(text).toBe('200 OK');
    } finally {
      await api.close();
    }
  });

  it('answers 503 naming the address when Temporal cannot be reached, and keeps serving', async () => {
    const api = await startApi({ env: { TEMPORAL_ADDRESS: '127.0.0.1:1' }, socketPath: path.join(dir, 'nt.sock') });
    try {
      const r = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        http
          .get({ socketPath: api.socketPath, path: '/info' }, (res) => {
            let text = '';
            res.on('data', (d: Buffer) => (text += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          })
          .on('error', reject);
      });
      expect(r.status).toBe(503);
      expect(JSON.parse(r.text).message).toMatch(/cannot reach Temporal at 127\.0\.0\.1:1/);
    } finally {
      await api.close();
    }
  });
});
