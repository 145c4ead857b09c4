import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Readable } from 'node:stream';

/**
 * A tar file of regular files and directories, written in order (an image archive's entries: small JSON and
 * layer tars copied from files). ustar headers, with a PAX `path` record for a name past ustar's 100 bytes.
 */
export class TarWriter {
  private readonly out: WriteStream;
  private readonly failed: Promise<never>;

  constructor(file: string) {
    this.out = createWriteStream(file, { mode: 0o600 });
    this.failed = once(this.out, 'error').then(([err]) => Promise.reject(err as Error));
    this.failed.catch(() => undefined);
  }

  async dir(name: string): Promise<void> {
    await this.header(name.endsWith('/') ? name : `${name}/`, 0, '5', 0o755);
  }

  async file(name: string, data: Buffer | string): Promise<void> {
    const buf = Buffer.from(data);
    await this.header(name, buf.length, '0', 0o644);
    await this.write(buf);
    await this.pad(buf.length);
  }

  /** A file's bytes as an entry of `size` bytes (the caller knows it: a stat). */
  async copy(name: string, from: string, size: number): Promise<void> {
    await this.header(name, size, '0', 0o644);
    let n = 0;
    for await (const chunk of createReadStream(from) as Readable) {
      n += (chunk as Buffer).length;
      await this.write(chunk as Buffer);
    }
    if (n !== size) throw new Error(`${from} changed while it was archived (${n} bytes, expected ${size})`);
    await this.pad(size);
  }

  /** The end-of-archive blocks, then the file closed. */
  async close(): Promise<void> {
    await this.write(Buffer.alloc(1024));
    this.out.end();
    await Promise.race([once(this.out, 'close'), this.failed]);
  }

  /** Closes the file after a failure (the caller removes it). */
  destroy(): void {
    this.out.destroy();
  }

  private async header(name: string, size: number, type: string, mode: number): Promise<void> {
    const long = Buffer.byteLength(name) > 100;
    const big = size > USTAR_MAX_SIZE;
    if (long || big) {
      const rec = Buffer.concat([
        ...(long ? [paxRecord('path', name)] : []),
        ...(big ? [paxRecord('size', String(size))] : []),
      ]);
      await this.write(block(`PaxHeaders/${name.slice(-80)}`, rec.length, 'x', 0o644));
      await this.write(rec);
      await this.pad(rec.length);
    }
    await this.write(block(name, big ? 0 : size, type, mode));
  }

  private pad(size: number): Promise<void> {
    const rest = (512 - (size % 512)) % 512;
    return rest ? this.write(Buffer.alloc(rest)) : Promise.resolve();
  }

  private async write(buf: Buffer): Promise<void> {
    if (!this.out.write(buf)) await Promise.race([once(this.out, 'drain'), this.failed]);
  }
}

// ustar's size field: 11 octal digits
const USTAR_MAX_SIZE = 0o77777777777;

/** A PAX record: `<length> <key>=<value>\n`, the length counting itself. */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body);
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return Buffer.from(`${len}${body}`);
}

function block(name: string, size: number, type: string, mode: number): Buffer {
  const b = Buffer.alloc(512);
  b.write(name.slice(0, 100), 0, 100, 'utf8');
  const octal = (v: number, at: number, len: number) => b.write(`${v.toString(8).padStart(len - 1, '0')}\0`, at, len);
  octal(mode, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(0, 136, 12);
  b.write('        ', 148, 8);
  b.write(type, 156, 1);
  b.write('ustar\0' + '00', 257, 8, 'binary');
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return b;
}
