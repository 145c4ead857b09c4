import { connect, type Session } from './connection';

/** What commands share: one lazily opened Temporal session per CLI run. */
export interface CliContext {
  session(): Promise<Session>;
  close(): Promise<void>;
}

export function cliContext(): CliContext {
  let s: Promise<Session> | undefined;
  return {
    session: () => (s ??= connect()),
    close: async () => {
      if (s) await (await s.catch(() => undefined))?.connection.close();
    },
  };
}
