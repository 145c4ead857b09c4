import net from 'node:net';

/**
 * Raw HTTP/1.1 for the Engine API fuzz targets: requests written as bytes (no client library between: it would
 * refuse the hostile targets itself), and the check every answer must pass.
 */

export interface ApiCase {
  method: string;
  target: string;
  body: Buffer;
}

export interface Answer {
  status: number;
  /** the body, for answers that are not a stream */
  text: string;
}

const HEADERS_WITHIN_MS = 15_000;

/** Percent-encoding of a string's UTF-8 bytes (encodeURIComponent throws on a lone surrogate). */
export const pct = (s: string) =>
  [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

/** A JSON body. */
export const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v) ?? '');

/** One request; a success without a length is a stream: its start is the answer (the connection is then closed). */
export function send(socketPath: string, c: ApiCase): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(socketPath);
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer within ${HEADERS_WITHIN_MS} ms`));
    }, HEADERS_WITHIN_MS);
    const finish = (a: Answer) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(a);
    };
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? -1);
      // an error without a length ends with the connection
      if (length < 0) return status < 400 ? finish({ status, text: '' }) : undefined;
      const rest = buf.subarray(end + 4);
      if (rest.length >= length) finish({ status, text: rest.subarray(0, length).toString('utf8') });
    });
    sock.on('end', () => {
      const end = buf.indexOf('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(buf.toString('latin1'))?.[1] ?? 0);
      finish({ status, text: end < 0 ? '' : buf.subarray(end + 4).toString('utf8') });
    });
    const head = `${c.method} ${c.target} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${c.body.length}\r\n\r\n`;
    sock.write(Buffer.concat([Buffer.from(head, 'utf8'), c.body]));
  });
}

/** Docker's `{"message": …}` of an error answer, if it has one. */
export function messageOf(a: Answer): string | undefined {
  try {
    const m = (JSON.parse(a.text) as { message?: unknown }).message;
    return typeof m === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

/** A typed refusal: a 4xx with a message (none to a HEAD), or the 501 of what container-saga does not do. */
export function isTypedRefusal(c: Pick<ApiCase, 'method'>, a: Answer): boolean {
  if (c.method === 'HEAD' && a.status >= 400 && a.status < 500) return true;
  const message = messageOf(a);
  if (message === undefined) return false;
  if (a.status === 501) return /container-saga does not|not supported by container-saga/.test(message);
  return a.status >= 400 && a.status < 500;
}
