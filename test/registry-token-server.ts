import { spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';

/**
 * A token server for the registry's `auth: token` mode, so the client's Bearer path meets the real registry:
 * ES256 JWTs signed with a key whose certificate (made by openssl) the registry trusts, the key named by its
 * libtrust key id as the registry looks keys up. It grants pull to anyone and records what it was sent.
 */

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** libtrust's key id: the SPKI's sha256, first 240 bits, base32, in groups of four joined by `:`. */
function libtrustKeyId(spkiDer: Buffer): string {
  const bytes = createHash('sha256').update(spkiDer).digest().subarray(0, 30);
  let bits = '';
  for (const b of bytes) bits += b.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += BASE32[parseInt(bits.slice(i, i + 5), 2)];
  return out.match(/.{4}/g)!.join(':');
}

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

export interface TokenServer {
  realm: string;
  certFile: string;
  /** Authorization headers and scopes of every token request, in order. */
  requests: { authorization?: string; scope: string | null; service: string | null }[];
  close(): Promise<void>;
}

export async function startTokenServer(dir: string, service: string, issuer: string): Promise<TokenServer> {
  const keyFile = path.join(dir, 'token.key');
  const certFile = path.join(dir, 'token.crt');
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=registry-token',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`openssl req: ${r.stderr}`);
  const key = createPrivateKey(readFileSync(keyFile));
  const kid = libtrustKeyId(createPublicKey(key).export({ type: 'spki', format: 'der' }));
  const requests: TokenServer['requests'] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    const scope = url.searchParams.get('scope');
    requests.push({ authorization: req.headers.authorization, scope, service: url.searchParams.get('service') });
    const [type, name, actions] = (scope ?? '').split(':');
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: issuer,
      sub: 'anyone',
      aud: service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access: type === 'repository' ? [{ type, name, actions: (actions ?? '').split(',') }] : [],
    };
    const signing = `${b64url({ typ: 'JWT', alg: 'ES256', kid })}.${b64url(claims)}`;
    const signature = sign('sha256', Buffer.from(signing), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ token: `${signing}.${signature}`, expires_in: 300 }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as net.AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    certFile,
    requests,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
