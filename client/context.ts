import { connect, type Session } from './connection';

/** What commands share: one lazily opened Temporal session per CLI run, and the one error printer. */
export interface CliContext {
  session(): Promise<Session>;
  /**
   * Prints an error the way every error of this CLI prints (cli.ts owns the format). Multi-container verbs
   * call it for each container that failed, as Docker's CLI does, and go on with the next one.
   */
  reportError(err: unknown): void;
  close(): Promise<void>;
}

export function cliContext(reportError: (err: unknown) => void): CliContext {
  let s: Promise<Session> | undefined;
  return {
    session: () => (s ??= connect()),
    reportError,
    close: async () => {
      if (s) await (await s.catch(() => undefined))?.connection.close();
    },
  };
}
