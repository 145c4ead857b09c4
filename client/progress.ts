import type { ContainerStartResult } from '../common/start-api';
import { colors } from './output';

/**
 * Prints each step and compensation once, in order, as the saga's record reports them: the live lines of
 * `start` (on stderr, under a "starting REF" head) and of the demo (on stdout, without one).
 */
export function progressPrinter(
  ref: string,
  stream: NodeJS.WriteStream = process.stderr,
  head = true,
): (p: ContainerStartResult) => void {
  const c = colors(stream);
  let steps = 0;
  let undone = 0;
  let left = 0;
  let headed = !head;
  let failed = false;
  return (p) => {
    const out: string[] = [];
    if (!headed) {
      headed = true;
      out.push(c.dim(`starting ${ref}`));
    }
    for (; steps < p.steps.length; steps++) out.push(`  ${c.ok('✓')} ${p.steps[steps]}`);
    if (p.error && !failed) {
      failed = true;
      out.push(
        p.error.type === 'AlreadyStarted' ? `  ${c.dim('•')} already running` : `  ${c.err('✗')} ${p.error.message}`,
      );
    }
    for (; undone < p.compensations.length; undone++) out.push(`  ${c.undo('↺')} ${p.compensations[undone]}`);
    if (p.status === 'failed' || p.status === 'cancelled') {
      for (; left < p.leftovers.length; left++) out.push(`  ${c.err('!')} not released: ${p.leftovers[left]}`);
    }
    if (out.length > 0) stream.write(`${out.join('\n')}\n`);
  };
}
