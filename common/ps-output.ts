import { ContainerError } from './errors';
import type { TopResult } from './container-verbs-api';

/**
 * docker top's ps handling, pure (moby daemon/top_unix.go): the ps options Docker refuses, the `-q` list of the
 * container's pids, and the parse of ps's output down to the container's rows.
 */

/** ASCII whitespace only, as Docker's fieldsASCII (a Unicode space inside a command stays in its field). */
function fieldsAscii(line: string): string[] {
  return line.split(/[\t\n\v\f\r ]+/).filter((f) => f !== '');
}

/** Docker's validatePSArgs: `-o x=PID…` may relabel the PID column only as `pid`, else the rows cannot be told. */
export function checkPsArgs(psArgs: string): void {
  for (const m of psArgs.matchAll(/\s+([^\s]*)=\s*(PID[^\s]*)/g)) {
    if (m[1] !== 'pid') throw new ContainerError('InvalidParameter', `specifying "${m[1]}=${m[2]}" is not allowed`);
  }
}

/** ps's arguments: Docker splits ps_args on single spaces (an empty argument goes to ps as it is). */
export function psArgv(psArgs: string | undefined): string[] {
  return (psArgs || '-ef').split(' ');
}

/** The `-q` option that narrows ps to these pids (Docker's psPidsArg). */
export function pidsArg(pids: readonly number[]): string {
  return `-q${pids.join(',')}`;
}

/**
 * ps's header and the rows whose PID is one of `pids`; a thread row (PID `-`, with `-L`/`m`) follows its
 * process. The last column takes the rest of the line (a command with spaces). Docker's 500 messages when ps's
 * output has no PID column or an unreadable PID.
 */
export function parsePsOutput(output: string, pids: readonly number[]): TopResult {
  const lines = output.split('\n');
  const titles = fieldsAscii(lines[0] ?? '');
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw new ContainerError('Internal', "Couldn't find PID field in ps output", { retryable: false });
  const wanted = new Set(pids);
  const processes: string[][] = [];
  const row = (fields: string[]) => [...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')];
  let inContainer = false;
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const fields = fieldsAscii(line);
    const pid = fields[pidIndex];
    if (pid === '-') {
      if (inContainer) processes.push(row(fields));
      continue;
    }
    if (pid === undefined || !/^[+-]?\d+$/.test(pid))
      throw new ContainerError(
        'Internal',
        `Unexpected pid '${pid ?? ''}': strconv.Atoi: parsing "${pid ?? ''}": invalid syntax`,
        {
          retryable: false,
        },
      );
    inContainer = wanted.has(Number(pid));
    if (inContainer) processes.push(row(fields));
  }
  return { Titles: titles, Processes: processes };
}
