import type { Command } from 'commander';
import { pullImage, type PullView } from '../pull';
import { layerLines, lineText } from '../pull-lines';
import type { CliContext } from '../context';
import type { PullInput, PullResult } from '../../common/pull-api';
import type { Session } from '../connection';
import { canonicalKey, parseRef } from '../../images/refs';

/**
 * Prints a pull as Docker's CLI does: `TAG: Pulling from REPO`, one line per layer (rewritten in place on a
 * terminal, each change on a line of its own otherwise), then `Digest:` and `Status:` per host.
 */
export function pullPrinter(stream: NodeJS.WriteStream = process.stdout): {
  progress: (v: PullView) => void;
  done: (r: PullResult) => void;
} {
  const tty = stream.isTTY === true;
  const last = new Map<string, string>();
  let drawn = 0;
  const draw = (v: PullView) => {
    const lines = layerLines(v);
    const many = new Set(lines.map((l) => l.host)).size > 1;
    const texts = lines.map((l) => `${l.id}${many ? `@${l.host}` : ''}: ${lineText(l)}`);
    if (tty) {
      if (drawn) stream.write(`\x1b[${drawn}A`);
      stream.write(texts.map((t) => `\x1b[2K${t}\n`).join(''));
      drawn = texts.length;
      return;
    }
    for (const t of texts) {
      const id = t.slice(0, t.indexOf(':'));
      const text = t.replace(/ \[.*$/, ''); // no bars in a log: each status once
      if (last.get(id) === text) continue;
      last.set(id, text);
      stream.write(`${text}\n`);
    }
  };
  return {
    progress: draw,
    done: (r) => {
      for (const h of r.hosts) {
        const on = r.hosts.length > 1 ? ` (${h.host})` : '';
        stream.write(`Digest: ${h.digest}${on}\nStatus: ${h.status}${on}\n`);
      }
    },
  };
}

/** A pull with Docker's output on `stream` (stderr for the implicit pull of create and run); quiet: none. */
export async function pullWithOutput(
  s: Session,
  input: PullInput,
  opts: { quiet?: boolean; stream?: NodeJS.WriteStream } = {},
): Promise<PullResult> {
  if (opts.quiet) return pullImage(s, input);
  const out = pullPrinter(opts.stream);
  const result = await pullImage(s, input, { onProgress: out.progress });
  out.done(result);
  return result;
}

/** `image pull REF` (and `pull REF`, as `docker pull`). */
export function registerImagePull(parent: Command, ctx: CliContext): void {
  parent
    .command('pull')
    .description('Download an image from a registry, on every live host (or --host)')
    .argument('<reference>')
    .option('--platform <os/arch[/variant]>', 'the platform to pull from a multi-platform image (default linux/amd64)')
    .option('--host <name>', 'pull it on this host only (default: every live host)')
    .option('-q, --quiet', 'print only the image reference')
    .action(async (reference: string, flags: { platform?: string; host?: string; quiet?: boolean }) => {
      const input: PullInput = {
        reference,
        ...(flags.platform ? { platform: flags.platform } : {}),
        ...(flags.host ? { host: flags.host } : {}),
      };
      const result = await pullWithOutput(await ctx.session(), input, { quiet: flags.quiet });
      process.stdout.write(`${canonicalKey(parseRef(result.reference))}\n`);
    });
}
