import { spawn } from 'node:child_process';
import { tool } from '../drivers/linux/tools';

/**
 * A connection to conmon's attach socket: what is written is the process's stdin. The socket is
 * SOCK_SEQPACKET, which Node cannot open, so Debian's socat bridges it (`type=5`); what conmon sends back
 * (the output, which the log has too) goes to /dev/null, read so that conmon never waits on us.
 */
export interface AttachConnection {
  /** resolves once socat has taken the bytes (false when it is gone) */
  write(data: Buffer): Promise<boolean>;
  /** the client's end of input: conmon closes the process's stdin (unless --leave-stdin-open) */
  end(): void;
  /** drops the connection at once (a detach) */
  close(): void;
  /** resolves when the connection is gone (conmon closed it, or close()) */
  readonly closed: Promise<void>;
}

export function connectAttach(socket: string): AttachConnection {
  const child = spawn(tool('socat'), ['-', `UNIX-CONNECT:${socket},type=5`], { stdio: ['pipe', 'ignore', 'ignore'] });
  const stdin = child.stdin!;
  stdin.on('error', () => undefined); // socat gone: `closed` says so
  let gone = false;
  const closed = new Promise<void>((resolve) => {
    const done = () => {
      gone = true;
      resolve();
    };
    child.once('exit', done);
    child.once('error', done);
  });
  return {
    write: (data) =>
      gone
        ? Promise.resolve(false)
        : new Promise<boolean>((resolve) => {
            if (stdin.write(data)) return resolve(true);
            const drained = () => resolve(true);
            stdin.once('drain', drained);
            void closed.then(() => {
              stdin.removeListener('drain', drained);
              resolve(false);
            });
          }),
    end: () => stdin.end(),
    close: () => {
      if (!gone) child.kill('SIGTERM');
    },
    closed,
  };
}
