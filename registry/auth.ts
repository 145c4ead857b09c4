/**
 * The distribution API's authentication: a `WWW-Authenticate` challenge from `GET /v2/`, answered with Basic
 * credentials or a Bearer token from the challenge's realm (anonymous, or with the user's credentials).
 */
import type { Credentials } from './credentials';
import { RegistryError } from './errors';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Bearer realm="…",service="…",scope="…"` (RFC 7235 auth-params; quoted strings with escapes). */
export function parseChallenges(header: string | null | undefined): Challenge[] {
  const out: Challenge[] = [];
  const s = header ?? '';
  let i = 0;
  const skip = (chars: RegExp) => {
    while (i < s.length && chars.test(s[i])) i++;
  };
  const token = () => {
    const start = i;
    while (i < s.length && /[A-Za-z0-9!#$%&'*+.^_`|~-]/.test(s[i])) i++;
    return s.slice(start, i);
  };
  while (i < s.length) {
    skip(/[\s,]/);
    const name = token();
    if (!name) break;
    skip(/\s/);
    if (s[i] !== '=') {
      out.push({ scheme: name.toLowerCase(), params: {} });
      continue;
    }
    i++;
    skip(/\s/);
    let value = '';
    if (s[i] === '"') {
      for (i++; i < s.length && s[i] !== '"'; i++) value += s[i] === '\\' ? s[++i] : s[i];
      i++;
    } else {
      value = token();
    }
    const current = out.at(-1);
    if (current) current.params[name.toLowerCase()] = value;
  }
  return out;
}

export const basicHeader = (c: Credentials) =>
  `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`;

/** Docker's text for a registry's error body: the code lowercased with spaces, `manifest unknown: manifest unknown`. */
export async function registryErrorText(res: Response): Promise<string> {
  const body = await res.text().catch(() => '');
  try {
    const errors = (JSON.parse(body) as { errors?: { code?: string; message?: string }[] }).errors;
    if (Array.isArray(errors) && errors.length) {
      return errors
        .map(
          (e) =>
            `${String(e.code ?? 'unknown')
              .toLowerCase()
              .replace(/_/g, ' ')}: ${e.message ?? ''}`,
        )
        .join(', ');
    }
  } catch {
    // not JSON: the status line below
  }
  return `${res.status} ${res.statusText}`.trim();
}

/**
 * A token for `scope` from a Bearer challenge's realm: GET with Basic credentials (or none, anonymous), or
 * the OAuth refresh-token POST when the credentials hold an identity token, as the Docker client does.
 */
export async function fetchBearerToken(
  challenge: Challenge,
  scope: string,
  creds: Credentials | undefined,
  signal?: AbortSignal,
): Promise<string> {
  const realm = challenge.params.realm;
  if (!realm) throw new RegistryError('Unauthorized', 'bearer auth challenge without a realm');
  const service = challenge.params.service;
  let res: Response;
  if (creds?.identityToken) {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: creds.identityToken,
      client_id: 'container-saga',
      scope,
    });
    if (service) form.set('service', service);
    res = await fetch(realm, { method: 'POST', body: form, signal });
  } else {
    const url = new URL(realm);
    if (service) url.searchParams.set('service', service);
    url.searchParams.set('scope', scope);
    const headers: Record<string, string> = {};
    if (creds?.username) headers.authorization = basicHeader(creds);
    res = await fetch(url, { headers, signal });
  }
  if (!res.ok) {
    const kind = res.status === 401 || res.status === 403 ? 'Unauthorized' : 'Transport';
    throw new RegistryError(kind, `Get "${realm}": ${await registryErrorText(res)}`);
  }
  const body = (await res.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (!token) throw new RegistryError('Unauthorized', `token server ${realm} returned no token`);
  return token;
}
