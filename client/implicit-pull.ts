import type { CreateResult } from '../common/ops-api';
import type { CreateRequest } from '../common/types';
import { familiarString, parseReference } from '../registry/reference';
import { createContainer } from './api';
import { pullWithOutput } from './commands/image-pull';
import type { Session } from './connection';
import { CliError, usageError } from './errors';

/** `--pull` of create and run, as Docker's: pull when the image is missing (default), always, or never. */
export type PullPolicy = 'missing' | 'always' | 'never';

export const PULL_POLICY_HELP = 'pull the image before creating: "missing" (default), "always" or "never"';

export function pullPolicy(text: string | undefined, command: string): PullPolicy {
  const p = text ?? 'missing';
  if (p === 'missing' || p === 'always' || p === 'never') return p;
  throw usageError(`invalid pull option: '${p}': must be one of "always", "missing" or "never"`, command);
}

function familiar(image: string): string {
  try {
    return familiarString(parseReference(image));
  } catch {
    return image;
  }
}

/**
 * docker create/run's image handling: with `missing`, a create refused with NoSuchImage prints Docker's
 * "Unable to find image 'x:latest' locally" on stderr, pulls (progress on stderr) and creates once more; with
 * `always` the pull comes first. The pull runs where the container may go: `host`, else every live host.
 */
export async function createWithPull(
  s: Session,
  request: CreateRequest,
  host: string | undefined,
  policy: PullPolicy,
): Promise<CreateResult> {
  const pull = () =>
    pullWithOutput(s, { reference: request.image, ...(host ? { host } : {}) }, { stream: process.stderr });
  if (policy === 'always') await pull();
  try {
    return await createContainer(s, request, host);
  } catch (err) {
    if (policy !== 'missing' || !(err instanceof CliError && err.type === 'NoSuchImage')) throw err;
    process.stderr.write(`Unable to find image '${familiar(request.image)}' locally\n`);
    await pull();
    return createContainer(s, request, host);
  }
}
