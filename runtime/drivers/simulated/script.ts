import type { LogStream } from '../../k8s-file';

/**
 * The few commands a simulated process interprets (see the driver's class comment): `true`, `false`, and
 * `sh -c` with a script of `echo WORDS`, `echo WORDS >&2` and a last `exit N`, separated by `;`. What it prints
 * goes to the container's log as conmon writes it (k8s-file), each stream apart; it then exits with N (0
 * without an exit). Undefined for any other command: that one runs until stopped and prints nothing.
 */
export interface SimScript {
  output: { stream: LogStream; text: string }[];
  exitCode: number;
}

export function simScript(args: readonly string[]): SimScript | undefined {
  if (args.length === 1 && args[0] === 'true') return { output: [], exitCode: 0 };
  if (args.length === 1 && args[0] === 'false') return { output: [], exitCode: 1 };
  if (args.length !== 3 || args[0] !== 'sh' || args[1] !== '-c') return undefined;
  const statements = args[2]!
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const output: SimScript['output'] = [];
  for (const [i, s] of statements.entries()) {
    const exit = /^exit (\d{1,3})$/.exec(s);
    if (exit) return i === statements.length - 1 ? { output, exitCode: Number(exit[1]) & 255 } : undefined;
    const echo = /^echo((?: [^\s;&|<>$`'"\\]+)*)( >&2)?$/.exec(s);
    if (!echo) return undefined;
    output.push({ stream: echo[2] ? 'stderr' : 'stdout', text: `${echo[1]!.trim()}\n` });
  }
  return statements.length > 0 ? { output, exitCode: 0 } : undefined;
}
