import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

/**
 * The codec's key file: a JSON list of `{ "id": "<key ID>", "key": "<base64 of 32 random bytes>" }`, oldest
 * first, newest last, each with `"retired": "<ISO time>"` once retired. The newest active key encrypts; clients
 * decrypt with every key (history reads), workers only with active ones (codec/aes-gcm-codec.ts).
 * The file is a secret: it must be readable by its owner only (mode 0600), as ssh insists for private keys.
 */

/** One AES-256 key and the ID written beside every payload it encrypts. */
export interface CodecKey {
  readonly id: string;
  readonly key: Buffer;
  /** when `npm run codec-key -- --retire ID` retired it (ISO time) */
  readonly retired?: string;
}

/** The key file is missing, unreadable, too open or malformed; the message names the file and the fix. */
export class KeyFileError extends Error {
  override name = 'KeyFileError';
}

export const KEY_BYTES = 32;
/** IDs go into payload metadata and error messages: short, printable, no spaces. */
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The keys in a key file's text; `file` only names it in errors. */
export function parseKeyFile(text: string, file: string): CodecKey[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new KeyFileError(
      `key file ${file} is not JSON (${(err as Error).message}); expected [{"id": "...", "key": "<base64 of 32 bytes>"}, ...]`,
    );
  }
  if (!Array.isArray(doc) || doc.length === 0) {
    throw new KeyFileError(
      `key file ${file} must be a non-empty JSON list of {"id": "...", "key": "<base64 of 32 bytes>"}, newest last`,
    );
  }
  const seen = new Set<string>();
  const keys = doc.map((entry: unknown, i): CodecKey => {
    const where = `key file ${file}, entry ${i}`;
    if (typeof entry !== 'object' || entry === null)
      throw new KeyFileError(`${where}: expected {"id": "...", "key": "..."}`);
    const { id, key, retired } = entry as { id?: unknown; key?: unknown; retired?: unknown };
    if (typeof id !== 'string' || !KEY_ID.test(id))
      throw new KeyFileError(`${where}: "id" must be 1-64 characters of A-Z a-z 0-9 . _ -`);
    if (seen.has(id)) throw new KeyFileError(`${where}: duplicate id "${id}"`);
    seen.add(id);
    if (typeof key !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(key))
      throw new KeyFileError(`${where} ("${id}"): "key" must be base64`);
    const bytes = Buffer.from(key, 'base64');
    if (bytes.length !== KEY_BYTES)
      throw new KeyFileError(`${where} ("${id}"): "key" must be ${KEY_BYTES} bytes (AES-256), got ${bytes.length}`);
    if (retired === undefined) return { id, key: bytes };
    if (typeof retired !== 'string' || Number.isNaN(Date.parse(retired)))
      throw new KeyFileError(`${where} ("${id}"): "retired" must be an ISO time`);
    return { id, key: bytes, retired };
  });
  if (keys.every((k) => k.retired))
    throw new KeyFileError(`key file ${file} has no active key: every key is retired (\`npm run codec-key\` adds one)`);
  return keys;
}

/** Reads and checks a key file: it must exist, belong to no one else's eyes (no group/other bits), and parse. */
export function readKeyFile(file: string): CodecKey[] {
  let mode: number;
  let text: string;
  try {
    mode = statSync(file).mode;
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new KeyFileError(
      `cannot read key file ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
  if ((mode & 0o077) !== 0) {
    throw new KeyFileError(
      `key file ${file} is accessible by other users (mode ${(mode & 0o777).toString(8)}): run \`chmod 600 ${file}\``,
    );
  }
  return parseKeyFile(text, file);
}

/** A new random key; its ID says when it was made, plus a random tag so two made the same day differ. */
export function newKey(now = new Date()): CodecKey {
  const day = now.toISOString().slice(0, 10).replace(/-/g, '');
  return { id: `key-${day}-${randomBytes(3).toString('hex')}`, key: randomBytes(KEY_BYTES) };
}

export function formatKeyFile(keys: readonly CodecKey[]): string {
  return `${JSON.stringify(
    keys.map((k) => ({ id: k.id, key: k.key.toString('base64'), ...(k.retired ? { retired: k.retired } : {}) })),
    null,
    2,
  )}\n`;
}

/**
 * Writes keys to a new temp file beside `file`, mode 0600 from its creation (directory 0700 if new); returns its path.
 */
function writeTemp(file: string, keys: readonly CodecKey[]): string {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, formatKeyFile(keys));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return tmp;
}

/**
 * Creates the key file with one new key when there is none; returns whether it did. Linking the complete temp
 * file into place fails when another process created the file first, so two starting together agree on one key.
 */
export function ensureKeyFile(file: string): boolean {
  const tmp = writeTemp(file, [newKey()]);
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new KeyFileError(`cannot create key file ${file}: ${(err as Error).message}`);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Rotation: appends a new key (which encrypts from now on), keeping the old ones for decryption; atomic rename. */
export function addKey(file: string): CodecKey {
  const keys = readKeyFile(file);
  const key = newKey();
  renameSync(writeTemp(file, [...keys, key]), file);
  return key;
}

/**
 * Revocation: marks key `id` retired (kept, so clients still read histories it encrypted; workers refuse it for
 * new work). Retiring the last active key is refused: add one first. Returns the key as retired.
 */
export function retireKey(file: string, id: string, now = new Date()): CodecKey {
  const keys = readKeyFile(file);
  const key = keys.find((k) => k.id === id);
  if (!key) throw new KeyFileError(`no key "${id}" in ${file} (its keys: ${keys.map((k) => k.id).join(', ')})`);
  if (key.retired) throw new KeyFileError(`key "${id}" in ${file} was already retired ${key.retired}`);
  if (keys.filter((k) => !k.retired).length === 1)
    throw new KeyFileError(`key "${id}" is the only active key in ${file}: add one first (\`npm run codec-key\`)`);
  const retired = { ...key, retired: now.toISOString() };
  renameSync(
    writeTemp(
      file,
      keys.map((k) => (k.id === id ? retired : k)),
    ),
    file,
  );
  return retired;
}
