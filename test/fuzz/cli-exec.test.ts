import { Command, CommanderError } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { registerExec } from '../../client/commands/exec';
import type { CliContext } from '../../client/context';
import { CliError } from '../../client/errors';
import { parseExec, type ExecFlags } from '../../client/parse-exec';
import { ContainerError } from '../../common/errors';
import { checkWorkflowInput } from '../../common/input-check';
import { hostileString } from './arbitraries';
import { assertOptions, fuzzParams, show } from './params';

/**
 * Target, in process: `exec` argv through the CLI's own commander definition (registerExec) and parseExec, then
 * the containerExec workflow's input check. Each vector ends as a usage error (exit 125), or a request whose
 * command is exactly the words after CONTAINER (flags there belong to the command) and whose env is the -e
 * values (a bare KEY filled from the environment), which the input check accepts or refuses as
 * InvalidParameter — never anything untyped.
 */

const ENV = { PATH: '/bin', SECRET: 's3cret' };
const FULL_ID = 'a'.repeat(64);

const envValue = fc.oneof(
  fc.constantFrom('K=V', 'K', 'SECRET', 'PATH', '=V', '', '=', 'K=a=b', 'K=', 'NOPE', 'K\u0301=é', 'K=\0'),
  hostileString,
);
const dirValue = fc.oneof(fc.constantFrom('/', '/x', 'x', '../x', '/a/../../b', '', '-w'), hostileString);
const option = fc.oneof(
  fc.tuple(fc.constantFrom('-e', '--env'), envValue, fc.boolean()),
  fc.tuple(fc.constantFrom('-w', '--workdir'), dirValue, fc.boolean()),
  // what Docker's exec has and this CLI does not
  fc.tuple(fc.constantFrom('-i', '-t', '-d', '-u', '--privileged', '--detach-keys', '--bogus'), envValue, fc.boolean()),
);
const word = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('sh', '-c', 'ls', '-l', '/', '-e', 'X=1', '--', '-w', '--help') },
  { weight: 1, arbitrary: hostileString },
);

interface ExecVector {
  args: string[];
  /** where the options end: argv[optionsEnd] is CONTAINER (when present) */
  optionsEnd: number;
}
const execVector: fc.Arbitrary<ExecVector> = fc
  .tuple(
    fc.array(option, { maxLength: 4 }),
    fc.option(fc.oneof(fc.constantFrom('web', 'a'.repeat(64), '-web', '--'), hostileString), { freq: 8 }),
    fc.array(word, { maxLength: 4 }),
  )
  .map(([opts, container, cmd]) => {
    const args = opts.flatMap(([flag, v, joined]) =>
      ['-i', '-t', '-d', '--privileged'].includes(flag) ? [flag] : joined ? [`${flag}=${v}`] : [flag, v],
    );
    return { args: [...args, ...(container === null ? [] : [container]), ...cmd], optionsEnd: args.length };
  });

type Outcome = 'usage' | 'refused' | 'accepted';

function execFrom(v: ExecVector): Outcome {
  let parsed: { ref: string; cmd: string[]; flags: ExecFlags } | undefined;
  // as client/cli.ts sets the program up before adding its commands (they inherit the settings)
  const program = new Command('container-saga')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined, outputError: () => undefined });
  registerExec(program, {} as CliContext);
  // the real action sends the request; this one keeps it
  program.commands
    .find((c) => c.name() === 'exec')!
    .action((ref: string, cmd: string[], flags: ExecFlags) => void (parsed = { ref, cmd, flags }));
  try {
    program.parse(['exec', ...v.args], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return 'usage';
    throw err;
  }
  if (!parsed) throw new Error('commander neither failed nor ran the action');
  let request;
  try {
    request = parseExec(parsed.flags, parsed.ref, parsed.cmd, ENV);
  } catch (err) {
    if (err instanceof CliError && err.origin === 'usage' && err.exitCode === 125) return 'usage';
    throw err;
  }
  // CONTAINER is the first word after the options (and a `--` ending them); all after it is the command, as is.
  // (A first word starting with '-' before any `--` is read as options, `-web` as `-w eb`, as Docker's pflag does.)
  const at = v.args[v.optionsEnd] === '--' ? v.optionsEnd + 1 : v.optionsEnd;
  if (at > v.optionsEnd || !v.args[at]!.startsWith('-')) {
    expect(parsed.ref).toBe(v.args[at]);
    expect(request.cmd).toEqual(v.args.slice(at + 1));
  }
  // Each -e value, in order, a bare KEY filled from the environment when it is there.
  for (const e of request.env ?? []) expect(e.includes('=') || !(e in ENV)).toBe(true);
  try {
    checkWorkflowInput('containerExec', { ...request, container: FULL_ID });
  } catch (err) {
    if (err instanceof ContainerError && err.type === 'InvalidParameter') return 'refused';
    throw err;
  }
  return 'accepted';
}

describe('fuzz: exec flags, in process', () => {
  it('every exec vector ends as a usage error or a request the input check accepts or refuses typed', () => {
    const params = fuzzParams('cli exec flags', 2000);
    const seen: Record<Outcome, number> = { usage: 0, refused: 0, accepted: 0 };
    const started = Date.now();
    fc.assert(
      fc.property(execVector, (v) => {
        seen[execFrom(v)]++;
      }),
      assertOptions(params),
    );
    console.log(`[fuzz] cli exec flags: ${params.numRuns} cases in ${Date.now() - started} ms: ${show(seen)}`);
    expect(seen.usage).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
    expect(seen.accepted).toBeGreaterThan(0);
  });
});
