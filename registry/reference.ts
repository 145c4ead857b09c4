/**
 * Docker's image reference grammar (distribution/reference) and its normalisation (ParseNormalizedNamed):
 * `busybox` is `docker.io/library/busybox:latest`. Pure: no I/O, so the API can refuse a bad name with a 400
 * before any request.
 */
import { Msg, RegistryError } from './errors';

export const DEFAULT_DOMAIN = 'docker.io';
const OFFICIAL_PREFIX = 'library/';
const DEFAULT_TAG = 'latest';
const NAME_MAX = 255;
const REFERENCE_MAX = 1024;

// JS regexps backtrack (Go's are linear): every repetition below needs a separator between its runs, so no
// input has two ways to match (`[-]*`, as older distribution/reference wrote it, made `aaaa…!` exponential)
const alnum = '[a-z0-9]+';
const separator = '(?:[._]|__|-+)';
const pathComponent = `${alnum}(?:${separator}${alnum})*`;
const domainComponent = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
const host = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])`;
const domain = `${host}(?::[0-9]+)?`;
const name = `(?:${domain}/)?${pathComponent}(?:/${pathComponent})*`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(${name})(?::(${tag}))?(?:@(${digest}))?$`);
const NAME_WITH_DOMAIN = new RegExp(`^(${domain})/(${pathComponent}(?:/${pathComponent})*)$`);
const IDENTIFIER = /^[a-f0-9]{64}$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;

export interface ImageReference {
  /** Registry host (and port), `docker.io` for Docker Hub. */
  domain: string;
  /** Repository path inside the registry, `library/busybox`. */
  path: string;
  /** Absent only when a digest is given without a tag. */
  tag?: string;
  /** `sha256:<64 hex>`; when present the pull is by digest (the tag is then only a label). */
  digest?: string;
}

const invalid = (message: string) => new RegistryError('InvalidReference', message);

/**
 * The first component is a registry when it looks like a host: a dot, a port or `localhost` (Docker 20.10: newer
 * releases also take an uppercase first component for a host). Docker Hub's legacy alias is not mapped here.
 */
function splitDomain(s: string): [string, string] {
  const slash = s.indexOf('/');
  const first = slash < 0 ? '' : s.slice(0, slash);
  let domainPart = DEFAULT_DOMAIN;
  let rest = s;
  if (slash >= 0 && (first === 'localhost' || /[.:]/.test(first))) {
    domainPart = first;
    rest = s.slice(slash + 1);
  }
  if (domainPart === DEFAULT_DOMAIN && !rest.includes('/')) rest = OFFICIAL_PREFIX + rest;
  return [domainPart, rest];
}

/**
 * Parses a familiar or full reference; throws RegistryError('InvalidReference') with Docker's message. The
 * tag defaults to `latest` unless a digest is given.
 */
export function parseReference(input: string): ImageReference {
  // longer than any valid reference (a 255-character path, a host, a 128-character tag, a digest): no regexp runs
  if (input.length > REFERENCE_MAX) throw invalid(Msg.invalidFormat);
  if (IDENTIFIER.test(input)) throw invalid(Msg.hexName(input));
  const [dom, remainder] = splitDomain(input);
  const colon = remainder.indexOf(':');
  const at = remainder.indexOf('@');
  const end = [colon, at].filter((i) => i >= 0);
  const remote = end.length ? remainder.slice(0, Math.min(...end)) : remainder;
  if (remote.toLowerCase() !== remote) throw invalid(Msg.uppercase);
  const full = `${dom}/${remainder}`;
  const m = REFERENCE.exec(full);
  if (!m) {
    if (REFERENCE.test(full.toLowerCase())) throw invalid(Msg.uppercase);
    throw invalid(Msg.invalidFormat);
  }
  const n = NAME_WITH_DOMAIN.exec(m[1]);
  if (!n) throw invalid(Msg.invalidFormat);
  // distribution/reference counts the path (the name without its domain) against the limit.
  if (n[2].length > NAME_MAX) throw invalid(Msg.tooLong);
  // Only sha256 is pulled: Docker registers no other algorithm.
  if (m[3] !== undefined && !SHA256.test(m[3])) throw invalid(Msg.invalidFormat);
  const ref: ImageReference = { domain: n[1], path: n[2] };
  if (m[2] !== undefined) ref.tag = m[2];
  if (m[3] !== undefined) ref.digest = m[3];
  if (ref.tag === undefined && ref.digest === undefined) ref.tag = DEFAULT_TAG;
  return ref;
}

/** `docker.io/library/busybox:latest`, the canonical string. */
export function referenceString(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** Docker's display form: `busybox:latest`, `user/app:1`, `localhost:5000/x:tag`. */
export function familiarString(ref: ImageReference): string {
  let repo = `${ref.domain}/${ref.path}`;
  if (ref.domain === DEFAULT_DOMAIN) {
    const rest = ref.path.startsWith(OFFICIAL_PREFIX) ? ref.path.slice(OFFICIAL_PREFIX.length) : ref.path;
    repo = rest.includes('/') ? ref.path : rest;
  }
  return `${repo}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** What the manifest request names: the digest when there is one, else the tag. */
export function manifestReference(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}
