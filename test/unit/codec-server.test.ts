/** codec/server.ts: Temporal's codec server protocol, its token check and CORS for the Web UI. */
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AesGcmCodec, ENCRYPTED_ENCODING } from '../../codec/aes-gcm-codec';
import { newKey } from '../../codec/key-file';
import { payloadsToJson, type JsonPayload } from '../../codec/payloads-json';
import { startCodecServer, type RunningCodecServer } from '../../codec/server';

const TOKEN = 'tok_3Xq-unit';
const UI = 'http://localhost:8233';
const SECRET = 'DB_PASSWORD=codec-server-unit';
const codec = new AesGcmCodec([newKey()], 'test keys');
let server: RunningCodecServer;

beforeAll(async () => {
  server = await startCodecServer({
    codec,
    token: TOKEN,
    origins: [UI, 'http://127.0.0.1:8233'],
    host: '127.0.0.1',
    port: 0,
  });
});
afterAll(async () => {
  await server?.close();
});

const b64 = (s: string) => Buffer.from(s).toString('base64');
const post = (p: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${p}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const plainBody = () => payloadsToJson([defaultPayloadConverter.toPayload({ env: [SECRET] })]);

describe('codec server', () => {
  it('encodes with the token in the path, then decodes back (as the Web UI calls it)', async () => {
    expect(server.endpoint).toBe(`${server.url}/${TOKEN}`);
    const enc = await post(`/${TOKEN}/encode`, plainBody());
    expect(enc.status).toBe(200);
    expect(enc.headers.get('content-type')).toBe('application/json');
    const encoded = (await enc.json()) as { payloads: JsonPayload[] };
    expect(encoded.payloads[0]!.metadata!.encoding).toBe(b64(ENCRYPTED_ENCODING));
    expect(JSON.stringify(encoded)).not.toContain(b64(SECRET).slice(0, 12));

    const dec = await post(`/${TOKEN}/decode`, encoded, { Origin: UI });
    expect(dec.status).toBe(200);
    expect(dec.headers.get('access-control-allow-origin')).toBe(UI);
    const decoded = (await dec.json()) as { payloads: JsonPayload[] };
    expect(decoded.payloads[0]!.metadata!.encoding).toBe(b64('json/plain'));
    expect(JSON.parse(Buffer.from(decoded.payloads[0]!.data!, 'base64').toString())).toEqual({ env: [SECRET] });
  });

  it('accepts Authorization: Bearer <token> on any path ending in /decode (temporal --codec-auth, {namespace} paths)', async () => {
    const { payloads } = (await (await post(`/${TOKEN}/encode`, plainBody())).json()) as { payloads: JsonPayload[] };
    for (const p of ['/decode', '/default/decode']) {
      const res = await post(p, { payloads }, { Authorization: `Bearer ${TOKEN}` });
      expect(res.status, p).toBe(200);
    }
  });

  it.each<[string, string, Record<string, string>, number]>([
    ['no token at all', '/decode', {}, 401],
    ['a wrong token in the path', '/wrong-token/decode', {}, 403],
    ['a token that is a prefix of the real one', `/${TOKEN.slice(0, -1)}/decode`, {}, 403],
    ['a wrong bearer token', '/decode', { Authorization: 'Bearer nope' }, 403],
    ['a wrong bearer token on a namespace path', '/default/decode', { Authorization: 'Bearer nope' }, 403],
  ])('refuses %s (%s → %i) without decoding anything', async (_what, p, headers, status) => {
    const { payloads } = (await (await post(`/${TOKEN}/encode`, plainBody())).json()) as { payloads: JsonPayload[] };
    const res = await post(p, { payloads }, headers);
    expect(res.status).toBe(status);
    const text = await res.text();
    expect(text).not.toContain(b64(SECRET).slice(0, 12));
    expect(JSON.parse(text)).toHaveProperty('message');
  });

  it("answers the Web UI's CORS preflight for its origin, and refuses other origins", async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/${TOKEN}/decode`, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type,x-namespace',
        },
      });
    const ok = await preflight('http://127.0.0.1:8233');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8233');
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    expect(ok.headers.get('access-control-allow-headers')).toBe('content-type,x-namespace');
    const evil = await preflight('http://evil.example');
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    // a browser page elsewhere that knows the token still gets nothing
    const res = await post(`/${TOKEN}/decode`, plainBody(), { Origin: 'http://evil.example' });
    expect(res.status).toBe(403);
  });

  it.each<[string, string, RegExp]>([
    ['not JSON', '{', /not JSON/],
    ['no payloads list', '{"payload": []}', /\{"payloads": \[...\]\}/],
    ['a payload that is not an object', '{"payloads": [1]}', /payloads\[0\] must be an object/],
    ['data that is not base64', '{"payloads": [{"data": "%%%"}]}', /payloads\[0\]\.data must be a base64 string/],
    [
      'metadata values that are not strings',
      '{"payloads": [{"metadata": {"encoding": 5}}]}',
      /payloads\[0\]\.metadata\.encoding must be a base64 string/,
    ],
  ])('answers 400 to %s', async (_what, body, message) => {
    const res = await post(`/${TOKEN}/decode`, body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(message);
  });

  it('answers 400 naming the key ID for a payload sealed with an unknown key, 404 for another operation, 405 for GET', async () => {
    const [foreign] = await new AesGcmCodec([newKey()], 'other').encode([defaultPayloadConverter.toPayload(SECRET)]);
    const res = await post(`/${TOKEN}/decode`, payloadsToJson([foreign!]));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /payload encrypted with key "key-\d{8}-[0-9a-f]{6}", which is not in test keys/,
    );
    expect((await post(`/${TOKEN}/download`, plainBody())).status).toBe(404);
    expect((await fetch(`${server.url}/${TOKEN}/decode`)).status).toBe(405);
  });

  it('passes plaintext payloads through /decode unchanged', async () => {
    const body = plainBody();
    const res = await post(`/${TOKEN}/decode`, body);
    expect(await res.json()).toEqual(body);
  });
});
