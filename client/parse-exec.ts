import type { ExecInput } from '../common/verbs-api';
import { usageError } from './errors';

export interface ExecFlags {
  env: string[];
  workdir?: string;
  user?: string;
}

/**
 * docker exec's flags → the exec request, checked before anything is sent (exit 125 otherwise). Pure:
 * `-e KEY` without a value reads KEY from `env` (Docker's ValidateEnv), else passes the bare name.
 */
export function parseExec(flags: ExecFlags, container: string, cmd: string[], env: NodeJS.ProcessEnv = {}): ExecInput {
  const out: string[] = [];
  for (const e of flags.env) {
    if (e === '' || e.startsWith('='))
      throw usageError(`invalid argument "${e}" for "-e, --env" flag: invalid environment variable: ${e}`, 'exec');
    out.push(e.includes('=') || env[e] === undefined ? e : `${e}=${env[e]}`);
  }
  return {
    container,
    cmd,
    ...(out.length > 0 ? { env: out } : {}),
    ...(flags.workdir ? { workingDir: flags.workdir } : {}),
    ...(flags.user ? { user: flags.user } : {}),
  };
}
