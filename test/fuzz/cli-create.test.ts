import { Command, CommanderError } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createInput } from '../../client/api';
import { withCreateOptions } from '../../client/commands/create';
import { CliError } from '../../client/errors';
import { parseCreate, type CreateFlags } from '../../client/parse-create';
import { ContainerError } from '../../common/errors';
import { checkCreateInput } from '../../common/input-check';
import type { HostInfo } from '../../common/settings';
import type { CreateRequest } from '../../common/types';
import { checkCreateRequest, newContainerRecord } from '../../runtime/create';
import { flagVector, type FlagVector } from './create-flags';
import { assertOptions, fuzzParams, show } from './params';

/**
 * Target 1, in process: `create`/`run` flag vectors through commander (the CLI's own option definitions),
 * parseCreate and then everything create checks before it writes (the workflow's input check, the runtime's
 * create checks, the new record). Each vector ends as a usage error (commander's or parseCreate's CliError, exit
 * 125), a typed Docker error (ContainerError, 4xx), or a request that passes every check and makes a record
 * that survives JSON — never a TypeError, a RangeError or anything else untyped.
 */

const HOST: HostInfo = {
  os: 'linux',
  cpus: 2,
  memoryBytes: 8 * 1024 ** 3,
  cgroupMemory: true,
  cgroupCpu: true,
  cgroupPids: true,
};

type Outcome =
  | { kind: 'usage' }
  | { kind: 'refused'; error: ContainerError }
  | { kind: 'valid'; request: CreateRequest };

/** What `create` (or `run` with -d/--rm) makes of argv, up to the point where it would send the request. */
function createFrom(v: FlagVector, verb: 'create' | 'run'): Outcome {
  let parsed: { image: string; cmd: string[]; flags: CreateFlags } | undefined;
  const command = new Command(verb)
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined })
    .argument('<image>')
    .argument('[command...]')
    .passThroughOptions();
  withCreateOptions(command).action(
    (image: string, cmd: string[], flags: CreateFlags) => void (parsed = { image, cmd, flags }),
  );
  try {
    command.parse(v.args, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return { kind: 'usage' };
    throw err;
  }
  if (!parsed) throw new Error('commander neither failed nor ran the action');
  let request: CreateRequest;
  try {
    request = parseCreate(parsed.flags, parsed.image, parsed.cmd, { PATH: '/bin' });
  } catch (err) {
    if (err instanceof CliError && err.origin === 'usage' && err.exitCode === 125) return { kind: 'usage' };
    throw err;
  }
  if (verb === 'run' && v.run.rm && v.run.detach) request.hostConfig = { ...request.hostConfig, AutoRemove: true };
  // What the workflow and its activity check first: parseCreate must never send what they would refuse.
  checkCreateInput(createInput(request, parsed.flags.host));
  try {
    const hostConfig = checkCreateRequest(request, HOST);
    const rec = newContainerRecord(request, hostConfig, []);
    expect(JSON.parse(JSON.stringify(rec))).toEqual(rec);
  } catch (err) {
    if (err instanceof ContainerError && err.status >= 400 && err.status < 500) return { kind: 'refused', error: err };
    throw err;
  }
  return { kind: 'valid', request };
}

describe('fuzz: create and run flags, in process', () => {
  it('every flag vector ends as a usage error, a typed 4xx or a request every check accepts', () => {
    const params = fuzzParams('cli create flags', 3000);
    const seen = { usage: 0, refused: 0, valid: 0 };
    const started = Date.now();
    fc.assert(
      fc.property(flagVector, fc.constantFrom('create' as const, 'run' as const), (v, verb) => {
        seen[createFrom(v, verb).kind]++;
      }),
      assertOptions(params),
    );
    console.log(`[fuzz] cli create flags: ${params.numRuns} cases in ${Date.now() - started} ms: ${show(seen)}`);
    // The generator must reach every outcome, or the property says little.
    expect(seen.usage).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
    expect(seen.valid).toBeGreaterThan(0);
  });
});
