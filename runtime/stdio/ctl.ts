import { constants, promises as fs } from 'node:fs';

/**
 * Resizes a process's pty through its conmon's ctl fifo (`1 <rows> <cols>`). The fifo is opened without
 * waiting: with no conmon reading it (the process ended) the open fails at once (ENXIO) instead of hanging.
 */
export async function resizeTerminal(ctl: string, rows: number, cols: number): Promise<void> {
  const fh = await fs.open(ctl, constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    await fh.write(`1 ${rows} ${cols}\n`);
  } finally {
    await fh.close();
  }
}

/** True for the errors of a ctl fifo whose conmon is gone or never was. */
export function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENXIO' || code === 'ENOENT';
}
