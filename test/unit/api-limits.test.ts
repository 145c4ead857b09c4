/**
 * api/limits.ts as the server applies it: a slowloris (headers never finished) and a stalled upgraded body are
 * cut off within their timeouts, streams beyond the cap get a 503, connections beyond maxConnections are closed.
 */
import { promises as fs } from 'node:fs';
import type http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamLimit } from '../../api/limits';
import { listenOnSocket } from '../../api/listen';
import { Router } from '../../api/router';
import { createApiServer } from '../../api/server';

let dir: string;
let socketPath: string;
let server: http.Server;
const streams = streamLimit(2);

const router = new Router().add(
  {
    method: 'POST',
    path: '/hold',
    handler: async (_c, r, out) => {
      await r.json();
      const s = out.stream();
      await s.write(1, 'held\n');
      // Open until the client goes, like attach; output shows the server a client that closed (sockets are half-open).
      while (await s.write(1, '.')) await new Promise((r) => setTimeout(r, 50));
    },
  },
  { method: 'GET', path: '/_ping', handler: async (_c, _r, out) => out.text(200, 'OK') },
);
const ctx = { address: 'nowhere:1', session: () => Promise.reject(new Error('no Temporal in this test')) };

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-api-limits-'));
  socketPath = path.join(dir, 'docker.sock');
  server = createApiServer(ctx, router, undefined, undefined, {
    limits: { headersTimeoutMs: 600, requestTimeoutMs: 2000, upgradeBodyIdleMs: 600, maxConnections: 6, streams },
  });
  await listenOnSocket(server, socketPath);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await fs.rm(dir, { recursive: true, force: true });
});

/** Opens a connection, writes `first`, then (if `dripping`) a byte every 100 ms; what came back and when it closed. */
function drip(first: string, dripping = true): Promise<{ text: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const began = Date.now();
    const c = net.connect(socketPath, () => c.write(first));
    const tick = setInterval(() => dripping && c.writable && c.write('a'), 100);
    let text = '';
    c.on('data', (d: Buffer) => (text += d.toString()));
    c.on('close', () => {
      clearInterval(tick);
      resolve({ text, ms: Date.now() - began });
    });
    c.on('error', reject);
  });
}

/** An upgraded /hold stream; resolves with its socket once the first frame arrived, or the answer when refused. */
function hold(): Promise<{ socket: net.Socket; head: string }> {
  return new Promise((resolve, reject) => {
    const c = net.connect(socketPath, () =>
      c.write(
        'POST /hold HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
      ),
    );
    let text = '';
    c.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (text.includes('held')) resolve({ socket: c, head: text.split('\r\n')[0]! });
    });
    c.on('end', () => resolve({ socket: c, head: text }));
    c.on('error', reject);
  });
}

describe('the limits on connections', () => {
  it('closes a connection whose headers never finish (slowloris) within the headers timeout, with a 408', async () => {
    const r = await drip('GET /_ping HTTP/1.1\r\nHost: docker\r\nX-Slow: ');
    expect(r.text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(r.ms).toBeGreaterThanOrEqual(600);
    expect(r.ms).toBeLessThan(2500);
  });

  it('closes an upgrade request whose body stalls, with a 408', async () => {
    const r = await drip(
      'POST /hold HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
      false,
    );
    expect(r.text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(JSON.parse(r.text.slice(r.text.indexOf('\r\n\r\n') + 4))).toEqual({
      message: 'request body stalled for 0.6 s',
    });
    expect(r.ms).toBeLessThan(2500);
  });

  it('answers streams beyond the cap with 503 until one closes', async () => {
    const a = await hold();
    const b = await hold();
    expect([a.head, b.head]).toEqual(['HTTP/1.1 101 UPGRADED', 'HTTP/1.1 101 UPGRADED']);
    expect(streams.open).toBe(2);
    const c = await hold();
    expect(c.head).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(JSON.parse(c.head.slice(c.head.indexOf('\r\n\r\n') + 4))).toEqual({
      message:
        'too many open streams (2, CONTAINER_SAGA_API_MAX_STREAMS): close some attach, exec, logs -f or events clients',
    });
    a.socket.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect(streams.open).toBe(1);
    const d = await hold();
    expect(d.head).toBe('HTTP/1.1 101 UPGRADED');
    b.socket.destroy();
    d.socket.destroy();
    c.socket.destroy();
  });

  it('closes connections beyond maxConnections as they arrive', async () => {
    const idle = await Promise.all(
      Array.from(
        { length: 6 },
        () =>
          new Promise<net.Socket>((r) => {
            const s = net.connect(socketPath, () => r(s));
          }),
      ),
    );
    const extra = await new Promise<string>((resolve) => {
      const s = net.connect(socketPath, () => s.write('GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n'));
      let text = '';
      s.on('data', (d: Buffer) => (text += d.toString()));
      s.on('close', () => resolve(text));
      s.on('error', () => undefined);
    });
    expect(extra).toBe('');
    for (const s of idle) s.destroy();
  });
});
