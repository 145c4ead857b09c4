/**
 * Docker's detach keys (`--detach-keys`, `detachKeys`): a comma-separated list of single characters or
 * `ctrl-<c>` (c one of a-z @ [ \ ] ^ _), default ctrl-p,ctrl-q. Typed on an attached terminal they end the
 * attach and leave the process running.
 */

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

const CTRL = '@abcdefghijklmnopqrstuvwxyz[\\]^_';

/** The bytes of a detach key sequence; throws with moby's term.ToBytes message for a key it does not know. */
export function parseDetachKeys(keys: string): Buffer {
  const codes: number[] = [];
  for (const key of keys.split(',')) {
    if (key.length === 1) codes.push(key.charCodeAt(0));
    else if (key === 'DEL') codes.push(127);
    else {
      const m = /^ctrl-(.)$/.exec(key);
      const at = m ? CTRL.indexOf(m[1]!) : -1;
      if (at < 0) throw new Error(`Unknown character: '${key}'`);
      codes.push(at);
    }
  }
  return Buffer.from(codes);
}

/**
 * Finds the sequence in a terminal's input, byte by byte across chunks: bytes that might begin it are held
 * back until it is complete (then the attach ends, and they are never sent) or broken (then they go on).
 */
export class DetachScanner {
  private held = 0;

  constructor(private readonly keys: Buffer) {}

  /** The bytes to pass on, and whether the sequence is complete (nothing after it is passed). */
  feed(chunk: Buffer): { pass: Buffer; detached: boolean } {
    const out: number[] = [];
    for (const b of chunk) {
      if (b === this.keys[this.held]) {
        this.held += 1;
        if (this.held === this.keys.length) return { pass: Buffer.from(out), detached: true };
        continue;
      }
      if (this.held > 0) out.push(...this.keys.subarray(0, this.held));
      this.held = b === this.keys[0] ? 1 : 0;
      if (this.held === 0) out.push(b);
    }
    return { pass: Buffer.from(out), detached: false };
  }
}
