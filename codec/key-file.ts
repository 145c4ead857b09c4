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
 * first, newest last. The newest key encrypts; every key decrypts (rotation keeps old keys in the list).
 * The file is a secret: it must be readable by its owner only (mode 0600), as ssh insists for private keys.
 */

/** One AES-256 key and the ID written beside every payload it encrypts. */
export interface CodecKey {
  readonly id: string;
  readonly key: Buffer;
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
  return doc.map((entry: unknown, i) => {
    const where = `key file ${file}, entry ${i}`;
    if (typeof entry !== 'object' || entry === null)
      throw new KeyFileError(`${where}: expected {"id": "...", "key": "..."}`);
    const { id, key } = entry as { id?: unknown; key?: unknown };
    if (typeof id !== 'string' || !KEY_ID.test(id))
      throw new KeyFileError(`${where}: "id" must be 1-64 characters of A-Z a-z 0-9 . _ -`);
    if (seen.has(id)) throw new KeyFileError(`${where}: duplicate id "${id}"`);
    seen.add(id);
    if (typeof key !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(key))
      throw new KeyFileError(`${where} ("${id}"): "key" must be base64`);
    const bytes = Buffer.from(key, 'base64');
    if (bytes.length !== KEY_BYTES)
      throw new KeyFileError(`${where} ("${id}"): "key" must be ${KEY_BYTES} bytes (AES-256), got ${bytes.length}`);
    return { id, key: bytes };
  });
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
    keys.map((k) => ({ id: k.id, key: k.key.toString('base64') })),
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
